using System.Diagnostics;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>Finds a process recorded earlier by pid and start time (pids get reused, start times tell them apart).</summary>
public static class ProcessProbe
{
    /// <summary>The process if it is still alive, else null. The caller disposes it.</summary>
    public static Process? Find(int? pid, DateTimeOffset? startedAt)
    {
        if (pid is not { } id || startedAt is not { } started) return null;
        try
        {
            var process = Process.GetProcessById(id);
            if (!process.HasExited && Math.Abs((new DateTimeOffset(process.StartTime) - started).TotalSeconds) < 2) return process;
            process.Dispose();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone.
        }
        return null;
    }

    /// <summary>True when the recorded process is still alive.</summary>
    public static bool IsAlive(int? pid, DateTimeOffset? startedAt)
    {
        using var process = Find(pid, startedAt);
        return process is not null;
    }

    /// <summary>This process's id and start time, as recorded for ownership.</summary>
    public static (int Pid, DateTimeOffset StartedAt) Current()
    {
        using var me = Process.GetCurrentProcess();
        return (me.Id, new DateTimeOffset(me.StartTime));
    }
}
