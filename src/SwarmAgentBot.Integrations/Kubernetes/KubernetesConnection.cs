using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SwarmAgentBot.Integrations.Kubernetes;

/// <summary>
/// Where the Kubernetes API is and how to authenticate: from a kubeconfig file (server,
/// certificate-authority(-data), token / tokenFile or client certificate) or in-cluster (the pod's
/// service account token and CA, KUBERNETES_SERVICE_HOST/PORT).
/// </summary>
public sealed class KubernetesConnection
{
    /// <summary>Default folder of the in-cluster service account files.</summary>
    public const string ServiceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly string? _token;
    private readonly string? _tokenFile;

    private KubernetesConnection(Uri server, string? ns, string? token, string? tokenFile, X509Certificate2Collection? authority, X509Certificate2? clientCertificate, bool skipTlsVerify, string source)
    {
        Server = server;
        Namespace = ns;
        _token = token;
        _tokenFile = tokenFile;
        Authority = authority;
        ClientCertificate = clientCertificate;
        SkipTlsVerify = skipTlsVerify;
        Source = source;
    }

    /// <summary>API server base URL.</summary>
    public Uri Server { get; }

    /// <summary>Namespace the configuration names (context namespace or the pod's), if any.</summary>
    public string? Namespace { get; }

    /// <summary>CA certificates that sign the server's certificate; null: the system's trust store.</summary>
    public X509Certificate2Collection? Authority { get; }

    /// <summary>Client certificate with its key, when the user authenticates with one.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>insecure-skip-tls-verify from the kubeconfig.</summary>
    public bool SkipTlsVerify { get; }

    /// <summary>Where this came from, for messages ("kubeconfig /home/me/.kube/config, context kind-dev").</summary>
    public string Source { get; }

    /// <summary>The bearer token; a token file is re-read each time because service account tokens rotate.</summary>
    public string? Token() => _tokenFile is not null && File.Exists(_tokenFile) ? File.ReadAllText(_tokenFile).Trim() : _token;

    /// <summary>A handler that trusts <see cref="Authority"/> and presents <see cref="ClientCertificate"/>.</summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (ClientCertificate is not null) handler.SslOptions.ClientCertificates = [ClientCertificate];
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate, errors);
        return handler;
    }

    private bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (SkipTlsVerify || errors == SslPolicyErrors.None) return true;
        // Only an untrusted chain can be fixed by the cluster's own CA; a wrong host name cannot.
        if (Authority is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>
    /// Loads the connection: a kubeconfig when <paramref name="kubeconfig"/> is given, else in-cluster
    /// when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG or ~/.kube/config.
    /// </summary>
    public static KubernetesConnection Load(string? kubeconfig, string? context, string serviceAccountFolder = ServiceAccountFolder)
    {
        if (!string.IsNullOrWhiteSpace(kubeconfig)) return FromKubeconfig(kubeconfig, context);
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is { Length: > 0 }) return InCluster(serviceAccountFolder);
        var path = Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator).FirstOrDefault(p => p.Length > 0)
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return FromKubeconfig(path, context);
    }

    /// <summary>In-cluster configuration from the pod's environment and service account files.</summary>
    public static KubernetesConnection InCluster(string serviceAccountFolder = ServiceAccountFolder)
    {
        var host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443";
        if (string.IsNullOrEmpty(host)) throw new KubernetesConfigException("KUBERNETES_SERVICE_HOST is not set: this is not running inside a Kubernetes pod. Set Swarm:Jobs:Kubernetes:Kubeconfig.");
        var tokenFile = Path.Combine(serviceAccountFolder, "token");
        if (!File.Exists(tokenFile)) throw new KubernetesConfigException($"No service account token at {tokenFile}: the pod needs automountServiceAccountToken (see manifests/bot/deployment.yaml).");
        var caFile = Path.Combine(serviceAccountFolder, "ca.crt");
        var nsFile = Path.Combine(serviceAccountFolder, "namespace");
        var hostPart = host.Contains(':') ? $"[{host}]" : host;
        return new KubernetesConnection(new Uri($"https://{hostPart}:{port}"), File.Exists(nsFile) ? File.ReadAllText(nsFile).Trim() : null,
            null, tokenFile, File.Exists(caFile) ? LoadPem(File.ReadAllText(caFile)) : null, null, false, "in-cluster service account");
    }

    /// <summary>Reads a kubeconfig file and picks the context (its current-context by default).</summary>
    public static KubernetesConnection FromKubeconfig(string path, string? context = null)
    {
        if (!File.Exists(path)) throw new KubernetesConfigException($"No kubeconfig at {path}. Set Swarm:Jobs:Kubernetes:Kubeconfig to your cluster's kubeconfig file.");
        Kubeconfig config;
        try
        {
            config = new DeserializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance).IgnoreUnmatchedProperties().Build()
                .Deserialize<Kubeconfig>(File.ReadAllText(path)) ?? new Kubeconfig();
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new KubernetesConfigException($"{path} is not a valid kubeconfig: {ex.Message} {ex.InnerException?.Message}", ex);
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var contextName = context ?? config.CurrentContext
            ?? throw new KubernetesConfigException($"{path} has no current-context; set Swarm:Jobs:Kubernetes:Context to one of: {string.Join(", ", config.Contexts.Select(c => c.Name))}.");
        var ctx = config.Contexts.FirstOrDefault(c => c.Name == contextName)?.Context
            ?? throw new KubernetesConfigException($"{path} has no context '{contextName}'. Contexts: {string.Join(", ", config.Contexts.Select(c => c.Name))}.");
        var cluster = config.Clusters.FirstOrDefault(c => c.Name == ctx.Cluster)?.Cluster
            ?? throw new KubernetesConfigException($"{path}: context '{contextName}' names cluster '{ctx.Cluster}', which is not defined.");
        var user = config.Users.FirstOrDefault(u => u.Name == ctx.User)?.User ?? new KubeconfigUser();
        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
            throw new KubernetesConfigException($"{path}: cluster '{ctx.Cluster}' has no valid server URL ('{cluster.Server}').");
        if (user.Exec is not null || user.AuthProvider is not null)
            throw new KubernetesConfigException($"{path}: user '{ctx.User}' authenticates through an exec/auth-provider plugin, which SwarmAgentBot does not run. Use a kubeconfig with a token or a client certificate (e.g. a service account token).");

        var authority = cluster.CertificateAuthorityData is { } caData ? LoadPem(Decode(caData))
            : cluster.CertificateAuthority is { } caFile ? LoadPem(File.ReadAllText(Relative(folder, caFile))) : null;
        X509Certificate2? clientCertificate = null;
        var certPem = user.ClientCertificateData is { } cd ? Decode(cd) : user.ClientCertificate is { } cf ? File.ReadAllText(Relative(folder, cf)) : null;
        var keyPem = user.ClientKeyData is { } kd ? Decode(kd) : user.ClientKey is { } kf ? File.ReadAllText(Relative(folder, kf)) : null;
        if (certPem is not null && keyPem is not null) clientCertificate = X509Certificate2.CreateFromPem(certPem, keyPem);
        return new KubernetesConnection(server, ctx.Namespace, user.Token, user.TokenFile is { } tf ? Relative(folder, tf) : null,
            authority, clientCertificate, cluster.InsecureSkipTlsVerify, $"kubeconfig {path}, context {contextName}");
    }

    private static string Relative(string folder, string file) => Path.IsPathRooted(file) ? file : Path.Combine(folder, file);

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));

    private static X509Certificate2Collection LoadPem(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }

    private sealed class Kubeconfig
    {
        public List<Named<KubeconfigCluster>> Clusters { get; set; } = [];
        public List<NamedUser> Users { get; set; } = [];
        public List<NamedContext> Contexts { get; set; } = [];
        public string? CurrentContext { get; set; }
    }

    private sealed class Named<T> where T : new()
    {
        public string Name { get; set; } = "";
        public T Cluster { get; set; } = new();
    }

    private sealed class NamedUser
    {
        public string Name { get; set; } = "";
        public KubeconfigUser User { get; set; } = new();
    }

    private sealed class NamedContext
    {
        public string Name { get; set; } = "";
        public KubeconfigContext Context { get; set; } = new();
    }

    private sealed class KubeconfigCluster
    {
        public string Server { get; set; } = "";
        public string? CertificateAuthority { get; set; }
        public string? CertificateAuthorityData { get; set; }
        public bool InsecureSkipTlsVerify { get; set; }
    }

    private sealed class KubeconfigUser
    {
        public string? Token { get; set; }
        [YamlMember(Alias = "tokenFile")] public string? TokenFile { get; set; }
        public string? ClientCertificate { get; set; }
        public string? ClientCertificateData { get; set; }
        public string? ClientKey { get; set; }
        public string? ClientKeyData { get; set; }
        public Dictionary<string, object>? Exec { get; set; }
        public Dictionary<string, object>? AuthProvider { get; set; }
    }

    private sealed class KubeconfigContext
    {
        public string Cluster { get; set; } = "";
        public string User { get; set; } = "";
        public string? Namespace { get; set; }
    }
}

/// <summary>The Kubernetes connection settings are missing or wrong; the message says which.</summary>
public sealed class KubernetesConfigException(string message, Exception? inner = null) : Exception(message, inner);
