namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>Kubeconfig files pointing at a loopback API server with a bearer token.</summary>
public static class TestKubeconfig
{
    /// <summary>Writes a kubeconfig (one cluster, user and context; namespace <paramref name="ns"/>) into <paramref name="folder"/> and returns its path.</summary>
    public static string Write(string folder, Uri server, string token, string ns = "swarm", string extraUser = "")
    {
        var path = Path.Combine(folder, "kubeconfig-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: test
            preferences: {"{}"}
            clusters:
              - name: loopback
                cluster:
                  server: {server.ToString().TrimEnd('/')}
            users:
              - name: bot
                user:
                  token: {token}
            {extraUser}
            contexts:
              - name: test
                context:
                  cluster: loopback
                  user: bot
                  namespace: {ns}
            """);
        return path;
    }
}
