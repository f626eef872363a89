namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Settings of section <c>Swarm:Llm</c>. With no <see cref="Endpoint"/> the rules router runs alone; with one,
/// an OpenAI-compatible model plans each message and the rules router is the fallback. The API key comes from
/// the environment (<c>Swarm__Llm__ApiKey</c>) or user secrets, never from appsettings.json in a repository,
/// and is never logged: <see cref="ToString"/> redacts it.
/// </summary>
public sealed class LlmOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Llm";

    /// <summary>
    /// Base URL of the OpenAI-compatible API, including the version path: <c>https://api.openai.com/v1</c>,
    /// <c>https://NAME.openai.azure.com/openai/v1</c>, <c>http://localhost:11434/v1</c> (Ollama), <c>http://localhost:8000/v1</c> (vLLM).
    /// Empty: no LLM.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>Model (or Azure deployment) name.</summary>
    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>API key; optional for local servers that need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The longest the model may take over one message (all its calls together); then the rules router answers.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most steps one plan may have (at most the supervisor's own cap).</summary>
    public int MaxSteps { get; set; } = 4;

    /// <summary>Sampling temperature; 0 keeps plans repeatable.</summary>
    public double Temperature { get; set; }

    /// <summary>How many times an invalid tool call (unknown tool, bad JSON, wrong types) goes back to the model before the rules router takes over.</summary>
    public int MaxToolCallRetries { get; set; } = 2;

    /// <summary>
    /// After the model was unavailable (timeout, 429, 5xx, network), how long the rules router answers at once without
    /// asking it, so a down endpoint does not cost every message a full <see cref="Timeout"/>. Zero asks every time.
    /// </summary>
    public TimeSpan UnavailableCoolDown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>True when an endpoint is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>Returns an error naming the setting, or null when valid (an unset endpoint is valid: the LLM is off).</summary>
    public string? Validate()
    {
        if (!Enabled) return null;
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return $"Swarm:Llm:Endpoint must be an absolute http(s) URL such as https://api.openai.com/v1 (got \"{Endpoint}\").";
        if (string.IsNullOrWhiteSpace(Model)) return "Swarm:Llm:Model must name a model when Swarm:Llm:Endpoint is set.";
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(10)) return "Swarm:Llm:Timeout must be between 00:00:00.001 and 00:10:00.";
        if (MaxSteps < 1 || MaxSteps > Supervisor.MaxSteps) return $"Swarm:Llm:MaxSteps must be between 1 and {Supervisor.MaxSteps}.";
        if (Temperature < 0 || Temperature > 2) return "Swarm:Llm:Temperature must be between 0 and 2.";
        if (MaxToolCallRetries < 0 || MaxToolCallRetries > 5) return "Swarm:Llm:MaxToolCallRetries must be between 0 and 5.";
        if (UnavailableCoolDown < TimeSpan.Zero || UnavailableCoolDown > TimeSpan.FromHours(1)) return "Swarm:Llm:UnavailableCoolDown must be between 00:00:00 and 01:00:00.";
        return null;
    }

    /// <summary>The settings with the API key redacted (safe to log).</summary>
    public override string ToString() =>
        $"Endpoint={Endpoint ?? "(none)"}, Model={Model}, ApiKey={(string.IsNullOrEmpty(ApiKey) ? "(none)" : "[redacted]")}, Timeout={Timeout}, MaxSteps={MaxSteps}, Temperature={Temperature}, MaxToolCallRetries={MaxToolCallRetries}, UnavailableCoolDown={UnavailableCoolDown}";
}
