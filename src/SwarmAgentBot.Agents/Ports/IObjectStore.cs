namespace SwarmAgentBot.Agents.Ports;

/// <summary>Facts about a stored object.</summary>
/// <param name="Key">Object key ("datasets/churn/v1/churn.csv").</param>
/// <param name="Size">Bytes.</param>
/// <param name="LastModified">When it was written.</param>
public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// Where datasets and artifacts live: a local folder (default) or an S3 bucket (MinIO, AWS).
/// A put is atomic: readers see the whole object or nothing, never a partial one.
/// Keys use '/' separators and never contain "..", a leading '/', or control characters.
/// </summary>
public interface IObjectStore
{
    /// <summary>Human-readable location of the store ("file:///data/objects", "s3://bucket").</summary>
    string Describe();

    /// <summary>Writes an object atomically, replacing any old one. Throws <see cref="ObjectStoreException"/> on failure, leaving nothing behind.</summary>
    Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for reading. Throws <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Facts about an object, or null when it does not exist.</summary>
    Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Objects whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; true when it existed.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>A storage failure with a message fit for the user.</summary>
public class ObjectStoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The object does not exist.</summary>
public sealed class ObjectNotFoundException(string key) : ObjectStoreException($"No object '{key}' in the store.");
