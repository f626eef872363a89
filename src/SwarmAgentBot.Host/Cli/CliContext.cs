using System.Text.Json;

namespace SwarmAgentBot.Host.Cli;

/// <summary>
/// What a CLI command gets: the same services as the host (built on first use, honouring
/// Swarm:DataDir and environment overrides) and the console streams.
/// </summary>
public sealed class CliContext : IAsyncDisposable
{
    private IHost? _host;

    /// <summary>Standard output (replaceable in tests).</summary>
    public TextWriter Out { get; init; } = Console.Out;

    /// <summary>Standard error (replaceable in tests).</summary>
    public TextWriter Error { get; init; } = Console.Error;

    /// <summary>Standard input (replaceable in tests).</summary>
    public TextReader In { get; init; } = Console.In;

    /// <summary>Extra configuration applied over appsettings.json and the environment (tests).</summary>
    public IDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Replaces services after the normal registration (tests: fixtures and doubles).</summary>
    public Action<IServiceCollection>? Configure { get; init; }

    /// <summary>The service provider, built once per CLI invocation.</summary>
    public IServiceProvider Services => (_host ??= BuildHost()).Services;

    /// <summary>Resolves a service.</summary>
    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Writes an object as indented JSON.</summary>
    public void WriteJson(object value) => Out.WriteLine(JsonSerializer.Serialize(value, CliJson.Options));

    private IHost BuildHost()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Configuration.AddInMemoryCollection(Overrides);
        // CLI output is for people and scripts; keep framework logs off stdout.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSwarm();
        Configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable d) await d.DisposeAsync();
        else _host?.Dispose();
    }
}

/// <summary>JSON settings for CLI output.</summary>
public static class CliJson
{
    /// <summary>Indented, camel-case-free (names as declared), relaxed escaping.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
