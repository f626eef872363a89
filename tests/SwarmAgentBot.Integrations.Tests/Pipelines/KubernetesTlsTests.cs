using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Integrations.Http;
using SwarmAgentBot.Integrations.Kubernetes;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>The kubeconfig's certificate-authority-data is what the client trusts; client certificates load from PEM.</summary>
public sealed class KubernetesTlsTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "swarm-tls-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly (X509Certificate2 Cert, RSA Key) _clusterCa = Authority("swarm test cluster CA");
    private KubernetesApiFixture? _api;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _api = new KubernetesApiFixture(ServerCertificate(_clusterCa));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheClusterCaFromTheKubeconfigIsTrusted()
    {
        Assert.Equal("https", _api!.BaseAddress.Scheme);
        var client = Client(Kubeconfig(_clusterCa.Cert));
        // A 404 from the server means the TLS handshake against the cluster's own CA went through.
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetJobAsync("swarm", "absent"));
        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public async Task AServerSignedByAnotherCaIsRefused()
    {
        var other = Authority("someone else's CA");
        var client = Client(Kubeconfig(other.Cert));
        var error = await Assert.ThrowsAsync<KubernetesUnreachableException>(() => client.GetJobAsync("swarm", "absent"));
        Assert.Contains("Cannot reach the Kubernetes API", error.Message);
        Assert.DoesNotContain(_api!.Requests, r => r.Contains("absent", StringComparison.Ordinal));
    }

    [Fact]
    public void AClientCertificateAndKeyLoadFromTheKubeconfig()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=system:serviceaccount:swarm:swarm-bot", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Kubeconfig(_clusterCa.Cert, $"""
                  client-certificate-data: {B64(cert.ExportCertificatePem())}
                  client-key-data: {B64(key.ExportPkcs8PrivateKeyPem())}
            """);

        var connection = KubernetesConnection.FromKubeconfig(path);

        Assert.NotNull(connection.ClientCertificate);
        Assert.True(connection.ClientCertificate!.HasPrivateKey);
        Assert.Equal(cert.Thumbprint, connection.ClientCertificate.Thumbprint);
        Assert.Null(connection.Token());
    }

    private KubernetesClient Client(string kubeconfig)
    {
        var connection = KubernetesConnection.FromKubeconfig(kubeconfig);
        return new KubernetesClient(new HttpClient(connection.CreateHandler()) { BaseAddress = connection.Server }, connection,
            new RetrySettings(0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(10)), NullLogger<KubernetesClient>.Instance);
    }

    private string Kubeconfig(X509Certificate2 ca, string? user = null)
    {
        var path = Path.Combine(_folder, "config-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: tls
            clusters:
              - name: tls
                cluster:
                  server: {_api!.BaseAddress.ToString().TrimEnd('/')}
                  certificate-authority-data: {B64(ca.ExportCertificatePem())}
            users:
              - name: bot
                user:
            {user ?? $"      token: {KubernetesApiFixture.Token}"}
            contexts:
              - name: tls
                context: {"{"}cluster: tls, user: bot{"}"}
            """);
        return path;
    }

    private static string B64(string pem) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem));

    private static (X509Certificate2 Cert, RSA Key) Authority(string name)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2)), key);
    }

    private static X509Certificate2 ServerCertificate((X509Certificate2 Cert, RSA Key) ca)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=kubernetes", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca.Cert, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
