using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Tests.Support;

/// <summary>An object store in memory, for agent tests that don't exercise storage itself.</summary>
public sealed class InMemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, DateTimeOffset At)> _objects = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Describe() => "memory://";

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var at = DateTimeOffset.UtcNow;
        _objects[key] = (buffer.ToArray(), at);
        return new ObjectInfo(key, buffer.Length, at);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
        _objects.TryGetValue(key, out var o) ? Task.FromResult<Stream>(new MemoryStream(o.Bytes, writable: false)) : throw new ObjectNotFoundException(key);

    /// <inheritdoc />
    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_objects.TryGetValue(key, out var o) ? new ObjectInfo(key, o.Bytes.Length, o.At) : null);

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var (k, o) in _objects.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            yield return new ObjectInfo(k, o.Bytes.Length, o.At);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Task.FromResult(_objects.TryRemove(key, out _));
}
