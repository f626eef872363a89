namespace SwarmAgentBot.Integrations.S3;

/// <summary>Settings of section <c>Swarm:Storage:S3</c> (used when Swarm:Storage:Provider is S3).</summary>
public sealed class S3StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Storage:S3";

    /// <summary>Endpoint of an S3-compatible service (MinIO: "http://minio:9000"). Empty for AWS itself (then <see cref="Region"/> picks the endpoint).</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Bucket holding datasets and artifacts. Required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>Region to sign requests for. Default us-east-1 (what MinIO expects unless configured otherwise).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Access key id. Empty: the AWS SDK's default credential chain (environment, profile, instance role).</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret access key (set together with <see cref="AccessKey"/>).</summary>
    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (http://host/bucket/key), which MinIO and most S3-compatible servers need. Default true.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>
    /// Send plain signed bodies instead of aws-chunked streaming uploads. Needed for servers that
    /// store the chunk framing as data (s3rver); the SDK then hashes each body before sending it.
    /// </summary>
    public bool DisableChunkEncoding { get; set; }

    /// <summary>Objects larger than this are uploaded in parts of this size (at least 5 MiB, the S3 minimum). Default 8 MiB.</summary>
    public long PartSizeBytes { get; set; } = 8L << 20;

    /// <summary>Retries of a request that failed for a transient reason (network, 5xx, throttling). Default 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Delay before the first retry; later ones back off exponentially. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Timeout of one request. Default 100 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Where requests go, for messages.</summary>
    public string EndpointText => string.IsNullOrWhiteSpace(ServiceUrl) ? $"AWS S3 ({Region})" : ServiceUrl!;

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket)) return "Swarm:Storage:S3:Bucket is required when Provider is S3.";
        if (Bucket.Length is < 3 or > 63 || !Bucket.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.'))
            return $"Swarm:Storage:S3:Bucket '{Bucket}' is not a valid bucket name (3-63 lower-case letters, digits, '-' or '.').";
        if (!string.IsNullOrWhiteSpace(ServiceUrl) && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            return $"Swarm:Storage:S3:ServiceUrl must be an http(s) URL (it is '{ServiceUrl}').";
        if (string.IsNullOrWhiteSpace(Region)) return "Swarm:Storage:S3:Region is required when Provider is S3.";
        if (string.IsNullOrWhiteSpace(AccessKey) != string.IsNullOrWhiteSpace(SecretKey))
            return "Swarm:Storage:S3:AccessKey and Swarm:Storage:S3:SecretKey must be set together (or both left empty for the default AWS credentials).";
        if (PartSizeBytes < 5L << 20) return "Swarm:Storage:S3:PartSizeBytes must be at least 5242880 (5 MiB, the S3 minimum part size).";
        if (PartSizeBytes > int.MaxValue) return "Swarm:Storage:S3:PartSizeBytes must be below 2 GiB.";
        if (MaxRetries is < 0 or > 10) return "Swarm:Storage:S3:MaxRetries must be between 0 and 10.";
        if (RetryDelay < TimeSpan.Zero) return "Swarm:Storage:S3:RetryDelay must not be negative.";
        if (RequestTimeout <= TimeSpan.Zero) return "Swarm:Storage:S3:RequestTimeout must be positive.";
        return null;
    }
}
