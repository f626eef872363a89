namespace SwarmAgentBot.Integrations;

/// <summary>
/// Finds files under manifests/ whether the bot runs from the repository (./swarm, dotnet run),
/// from its build output (bin/Release/net10.0) or from a container image with manifests/ beside it.
/// </summary>
public static class ManifestLocator
{
    /// <summary>
    /// Resolves <paramref name="path"/>: an absolute path as is; a relative one under the working
    /// directory, else beside the binary, else under the binary's parent folders (the repository root
    /// when running from bin/). Returns the first that exists, or the working-directory path when none does.
    /// </summary>
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path)) return path;
        var fromWorkingDirectory = Path.GetFullPath(path);
        if (Exists(fromWorkingDirectory)) return fromWorkingDirectory;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (Exists(candidate)) return candidate;
        }
        return fromWorkingDirectory;
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);
}
