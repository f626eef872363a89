using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.S3;

/// <summary>
/// Objects in an S3 bucket (AWS, MinIO, any S3-compatible server with path-style addressing).
/// Small objects go up in one PUT, larger ones as a multipart upload that is completed only when
/// every part is in (and aborted otherwise), so a failed upload never leaves a partial object.
/// Transient failures (network, 5xx, throttling) are retried with backoff; what remains becomes an
/// <see cref="ObjectStoreException"/> that names the endpoint, bucket and key.
/// </summary>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly S3StorageOptions _options;
    private readonly IAmazonS3 _client;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger<S3ObjectStore> _logger;

    /// <summary>Creates a store for <see cref="S3StorageOptions.Bucket"/>. Throws <see cref="ArgumentException"/> when the options are invalid.</summary>
    public S3ObjectStore(S3StorageOptions options, ILogger<S3ObjectStore>? logger = null)
    {
        if (options.Validate() is { } error) throw new ArgumentException(error, nameof(options));
        _options = options;
        _logger = logger ?? NullLogger<S3ObjectStore>.Instance;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            Timeout = options.RequestTimeout,
            // Polly owns retries, so the count and the final message are ours.
            MaxErrorRetry = 0,
            ThrottleRetries = false,
            // Trailing checksums need aws-chunked bodies; send checksums only where S3 requires them.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (string.IsNullOrWhiteSpace(options.ServiceUrl)) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        else config.ServiceURL = options.ServiceUrl;
        _client = string.IsNullOrWhiteSpace(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
        _retry = options.MaxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && !args.Context.CancellationToken.IsCancellationRequested && IsTransient(e)),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    _logger.LogWarning(args.Outcome.Exception, "S3 request failed (attempt {Attempt}); retrying in {Delay}", args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>The bucket.</summary>
    public string Bucket => _options.Bucket;

    /// <inheritdoc />
    public string Describe() => $"s3://{_options.Bucket}";

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key);
        var buffer = new byte[(int)_options.PartSizeBytes];
        var length = await ReadChunkAsync(content, buffer, key, cancellationToken);
        if (length < buffer.Length)
        {
            await RunAsync("store", key, async token =>
            {
                using var body = new MemoryStream(buffer, 0, length, writable: false);
                return await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    InputStream = body,
                    AutoCloseStream = false,
                    ContentType = contentType ?? "application/octet-stream",
                    UseChunkEncoding = !_options.DisableChunkEncoding,
                }, token);
            }, cancellationToken, storing: true);
            _logger.LogDebug("Stored {Key} in {Bucket} ({Bytes} bytes)", key, _options.Bucket, length);
            return new ObjectInfo(key, length, DateTimeOffset.UtcNow);
        }
        return await PutMultipartAsync(key, content, contentType, buffer, cancellationToken);
    }

    private async Task<ObjectInfo> PutMultipartAsync(string key, Stream content, string? contentType, byte[] buffer, CancellationToken cancellationToken)
    {
        var upload = await RunAsync("start a multipart upload of", key, token => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            ContentType = contentType ?? "application/octet-stream",
        }, token), cancellationToken, storing: true);
        var uploadId = upload.UploadId;
        var parts = new List<PartETag>();
        long total = 0;
        try
        {
            var length = buffer.Length;
            while (length > 0)
            {
                var partNumber = parts.Count + 1;
                var partLength = length;
                var part = await RunAsync($"upload part {partNumber} of", key, async token =>
                {
                    using var body = new MemoryStream(buffer, 0, partLength, writable: false);
                    return await _client.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = _options.Bucket,
                        Key = key,
                        UploadId = uploadId,
                        PartNumber = partNumber,
                        PartSize = partLength,
                        InputStream = body,
                        UseChunkEncoding = !_options.DisableChunkEncoding,
                    }, token);
                }, cancellationToken, storing: true);
                parts.Add(new PartETag(partNumber, part.ETag));
                total += partLength;
                if (partLength < buffer.Length) break;
                length = await ReadChunkAsync(content, buffer, key, cancellationToken);
            }
            await RunAsync("complete the upload of", key, token => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = parts,
            }, token), cancellationToken, storing: true);
            _logger.LogDebug("Stored {Key} in {Bucket} ({Bytes} bytes, {Parts} parts)", key, _options.Bucket, total, parts.Count);
            return new ObjectInfo(key, total, DateTimeOffset.UtcNow);
        }
        catch
        {
            await AbortAsync(key, uploadId);
            throw;
        }
    }

    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            // Not the caller's token: the clean-up must run even when the upload was cancelled.
            using var timeout = new CancellationTokenSource(_options.RequestTimeout);
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = uploadId }, timeout.Token);
            _logger.LogInformation("Aborted the multipart upload {UploadId} of {Key}", uploadId, key);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Could not abort the multipart upload {UploadId} of {Key}; the bucket's lifecycle rule for incomplete uploads will remove its parts", uploadId, key);
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key);
        var response = await RunAsync("read", key, token => _client.GetObjectAsync(_options.Bucket, key, token), cancellationToken);
        return response.ResponseStream;
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKeys.Validate(key);
        try
        {
            var metadata = await RunAsync("look up", key, token => _client.GetObjectMetadataAsync(_options.Bucket, key, token), cancellationToken);
            return new ObjectInfo(key, metadata.ContentLength, metadata.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.UtcNow);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        string? continuation = null;
        do
        {
            var token = continuation;
            var page = await RunAsync("list", prefix, t => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = string.IsNullOrEmpty(prefix) ? null : prefix,
                ContinuationToken = token,
            }, t), cancellationToken);
            // S3 lists keys in UTF-8 binary order, which is ordinal order for the key alphabet.
            foreach (var item in page.S3Objects ?? [])
                if (ObjectKeys.Problem(item.Key) is null)
                    yield return new ObjectInfo(item.Key, item.Size ?? 0, item.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime()) : DateTimeOffset.UtcNow);
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        // S3 deletes are idempotent and do not say whether the key existed: ask first.
        if (await StatAsync(key, cancellationToken) is null) return false;
        await RunAsync("delete", key, token => _client.DeleteObjectAsync(_options.Bucket, key, token), cancellationToken);
        return true;
    }

    /// <summary>True for failures worth another attempt: no answer, a 5xx, throttling, a timeout.</summary>
    internal static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AmazonServiceException s when (int)s.StatusCode >= 500 || s.StatusCode == HttpStatusCode.TooManyRequests
                                                   || s.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling" or "InternalError":
                    return true;
                case AmazonServiceException s when s.StatusCode != 0:
                    return false; // the server answered and said no
                case HttpRequestException or SocketException or IOException or TimeoutException or TaskCanceledException:
                    return true;
            }
        }
        return false;
    }

    private async Task<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool storing = false)
    {
        try
        {
            return await _retry.ExecuteAsync(async token => await action(token), cancellationToken);
        }
        catch (Exception ex) when (ex is not ObjectStoreException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            throw Translate(ex, operation, key, storing);
        }
    }

    private ObjectStoreException Translate(Exception ex, string operation, string key, bool storing)
    {
        var where = $"{_options.EndpointText}, bucket '{_options.Bucket}'";
        var outcome = storing ? " Nothing was stored." : "";
        var s3 = Find<AmazonS3Exception>(ex);
        if (s3?.ErrorCode == "NoSuchBucket")
            return new ObjectStoreException($"The bucket '{_options.Bucket}' does not exist at {_options.EndpointText}. Create it, or set Swarm:Storage:S3:Bucket to an existing bucket.{outcome}", ex);
        if (s3 is not null && (s3.ErrorCode == "NoSuchKey" || s3.StatusCode == HttpStatusCode.NotFound && operation is "read" or "look up"))
            return new ObjectNotFoundException(key);
        if (s3 is not null && (s3.StatusCode == HttpStatusCode.Forbidden || s3.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied"))
            return new ObjectStoreException($"S3 ({where}) refused to {operation} '{key}' ({s3.ErrorCode}): check Swarm:Storage:S3:AccessKey, SecretKey and the bucket's permissions.{outcome}", ex);
        if (IsTransient(ex))
        {
            var attempts = _options.MaxRetries + 1;
            return new ObjectStoreException($"S3 ({where}) could not {operation} '{key}' after {attempts} attempt{(attempts == 1 ? "" : "s")}: {Innermost(ex).Message}{outcome}", ex);
        }
        return new ObjectStoreException($"S3 ({where}) could not {operation} '{key}': {(s3 is null ? "" : s3.ErrorCode + ": ")}{ex.Message}{outcome}", ex);
    }

    private async Task<int> ReadChunkAsync(Stream content, byte[] buffer, string key, CancellationToken cancellationToken)
    {
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0) break;
                filled += read;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectStoreException($"Reading the content for '{key}' failed: {ex.Message} Nothing was stored.", ex);
        }
        return filled;
    }

    private static T? Find<T>(Exception ex) where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException) if (e is T hit) return hit;
        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
