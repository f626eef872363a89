using System.Diagnostics;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

public sealed class LocalProcessJobRunnerTests : IDisposable
{
    private readonly PipelineTestHost _host = new();

    private LocalProcessJobRunner Runner => _host.Get<LocalProcessJobRunner>();

    private static JobSpec Shell(string id, string script, double timeoutSeconds = 30) => new(id, "test", [script], TimeSpan.FromSeconds(timeoutSeconds));

    [Fact]
    public async Task ItRunsAJobAndKeepsItsStdoutAndStderrInTheLog()
    {
        await Runner.StartAsync(Shell("hello", "echo hello out; echo hello err >&2"));
        var status = await Runner.WaitAsync("hello");
        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(0, status.ExitCode);
        var log = await Runner.GetLogsAsync("hello");
        Assert.Contains("hello out", log);
        Assert.Contains("hello err", log);
        Assert.True(File.Exists(Path.Combine(_host.Root, "data", "jobs", "hello.log")));
    }

    [Fact]
    public async Task ItReportsANonZeroExitAsFailedWithTheCode()
    {
        await Runner.StartAsync(Shell("bad", "echo about to fail; exit 3"));
        var status = await Runner.WaitAsync("bad");
        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(3, status.ExitCode);
        Assert.Contains("code 3", status.Message);
    }

    [Fact]
    public async Task ItReturnsOnlyTheLastLinesWhenAsked()
    {
        await Runner.StartAsync(Shell("lines", "for i in 1 2 3 4 5; do echo line$i; done"));
        await Runner.WaitAsync("lines");
        Assert.Equal("line4\nline5\n", await Runner.GetLogsAsync("lines", tailLines: 2));
    }

    [Fact]
    public async Task ItKillsAJobThatRunsPastItsTimeout()
    {
        await Runner.StartAsync(Shell("slow", "echo started; sleep 30", timeoutSeconds: 1));
        var status = await Runner.WaitAsync("slow");
        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains("timed out", status.Message);
    }

    [Fact]
    public async Task ItCancelsAJobAndKillsItsChildProcesses()
    {
        var pidFile = Path.Combine(_host.Root, "child.pid");
        await Runner.StartAsync(Shell("long", $"sleep 60 & echo $! > {pidFile}; wait"));
        await Eventually.TrueAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, what: "the child to start");
        var child = int.Parse(File.ReadAllText(pidFile).Trim());

        await Runner.CancelAsync("long");

        var status = await Runner.GetStatusAsync("long");
        Assert.Equal(JobState.Canceled, status.State);
        await Eventually.TrueAsync(() => !IsAlive(child), what: "the child process to be killed");
    }

    [Fact]
    public async Task ItRejectsAReusedJobIdAndABadOne()
    {
        await Runner.StartAsync(Shell("once", "true"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Runner.StartAsync(Shell("once", "true")));
        await Assert.ThrowsAsync<ArgumentException>(() => Runner.StartAsync(Shell("Not_Valid", "true")));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Runner.GetStatusAsync("never-started"));
    }

    [Fact]
    public async Task AfterARestartAJobWhoseProcessVanishedIsFailed()
    {
        var store = _host.Get<LocalJobStore>();
        var logs = Path.Combine(_host.Root, "data", "jobs");
        await store.TryInsertAsync(Shell("orphan", "true"), Path.Combine(logs, "orphan.log"), Path.Combine(logs, "orphan.exit"), DateTimeOffset.UtcNow);
        var (pid, started) = await DeadProcessAsync();
        await store.MarkRunningAsync("orphan", pid, started, DateTimeOffset.UtcNow);

        var status = await Runner.GetStatusAsync("orphan");

        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains("vanished", status.Message);
    }

    [Fact]
    public async Task AfterARestartAJobThatFinishedMeanwhileReportsItsExitCode()
    {
        var store = _host.Get<LocalJobStore>();
        var logs = Path.Combine(_host.Root, "data", "jobs");
        Directory.CreateDirectory(logs);
        await store.TryInsertAsync(Shell("finished", "true"), Path.Combine(logs, "finished.log"), Path.Combine(logs, "finished.exit"), DateTimeOffset.UtcNow);
        var (pid, started) = await DeadProcessAsync();
        await store.MarkRunningAsync("finished", pid, started, DateTimeOffset.UtcNow);
        await File.WriteAllTextAsync(Path.Combine(logs, "finished.exit"), "0\n");

        var status = await Runner.GetStatusAsync("finished");

        Assert.Equal(JobState.Succeeded, status.State);
        Assert.Equal(0, status.ExitCode);
    }

    private static async Task<(int Pid, DateTimeOffset Started)> DeadProcessAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sleep", "0.2") { UseShellExecute = false })!;
        var started = new DateTimeOffset(process.StartTime);
        await process.WaitForExitAsync();
        return (process.Id, started);
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => _host.Dispose();
}
