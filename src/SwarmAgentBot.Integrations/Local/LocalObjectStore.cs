using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>
/// The embedded object store: one file per key under a root folder. A put writes a temporary file
/// in the root's <c>.staging</c> folder (same file system), flushes it to disk and renames it over
/// the target, so readers see the old object or the new one, never a part.
/// </summary>
public sealed class LocalObjectStore : IObjectStore
{
    private const string StagingFolder = ".staging";
    private readonly string _root;
    private readonly ILogger<LocalObjectStore> _logger;

    /// <summary>A store rooted at <paramref name="root"/> (created when missing).</summary>
    public LocalObjectStore(string root, ILogger<LocalObjectStore>? logger = null)
    {
        _root = Path.GetFullPath(root);
        _logger = logger ?? NullLogger<LocalObjectStore>.Instance;
        Directory.CreateDirectory(_root);
    }

    /// <summary>The root folder.</summary>
    public string Root => _root;

    /// <inheritdoc />
    public string Describe() => new Uri(_root).AbsoluteUri;

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        var target = PathOf(key);
        var staging = Path.Combine(_root, StagingFolder);
        var temp = Path.Combine(staging, Guid.NewGuid().ToString("N") + ".part");
        try
        {
            Directory.CreateDirectory(staging);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, 1 << 16, cancellationToken);
                // On disk before the rename: a crash must not leave a renamed but empty file.
                file.Flush(flushToDisk: true);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
            var info = new FileInfo(target);
            _logger.LogDebug("Stored {Key} ({Bytes} bytes)", key, info.Length);
            return new ObjectInfo(key, info.Length, info.LastWriteTimeUtc);
        }
        catch (Exception ex) when (ex is not ObjectStoreException)
        {
            TryDelete(temp);
            if (ex is OperationCanceledException) throw;
            _logger.LogWarning(ex, "Writing {Key} failed; nothing was stored", key);
            throw new ObjectStoreException($"Could not store '{key}' in {Describe()}: {ex.Message} Nothing was stored.", ex);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        try
        {
            // FileShare.Delete: a concurrent replace or delete does not disturb this reader.
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(key);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"Could not read '{key}' from {Describe()}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? new ObjectInfo(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        return List(prefix, cancellationToken).ToAsyncEnumerable();
    }

    private IEnumerable<ObjectInfo> List(string prefix, CancellationToken cancellationToken)
    {
        // Only walk the folder the prefix points into.
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? _root : Path.Combine(_root, prefix[..slash].Replace('/', Path.DirectorySeparatorChar));
        if (!Directory.Exists(folder)) return [];
        var staging = Path.Combine(_root, StagingFolder) + Path.DirectorySeparatorChar;
        var found = new List<ObjectInfo>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.StartsWith(staging, StringComparison.Ordinal)) continue;
            var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (!key.StartsWith(prefix, StringComparison.Ordinal) || ObjectKeys.Problem(key) is not null) continue;
            var info = new FileInfo(file);
            found.Add(new ObjectInfo(key, info.Length, info.LastWriteTimeUtc));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return found;
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult(false);
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ObjectStoreException($"Could not delete '{key}' from {Describe()}: {ex.Message}", ex);
        }
        RemoveEmptyFolders(Path.GetDirectoryName(path)!);
        return Task.FromResult(true);
    }

    private string PathOf(string key)
    {
        ObjectKeys.Validate(key);
        var path = Path.GetFullPath(Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar)));
        // The key rules already exclude traversal; this keeps the promise even if they change.
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ObjectStoreException($"'{key}' would point outside the store.");
        return path;
    }

    private void RemoveEmptyFolders(string folder)
    {
        while (folder.Length > _root.Length && folder.StartsWith(_root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any()) return;
                Directory.Delete(folder);
            }
            catch (IOException)
            {
                return; // someone wrote into it meanwhile: keep it
            }
            folder = Path.GetDirectoryName(folder)!;
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not remove the temporary file {Path}", path);
        }
    }
}
