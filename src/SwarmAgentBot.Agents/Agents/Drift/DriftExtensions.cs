using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>Registers drift checks: <see cref="DriftOptions"/> from <c>Swarm:Drift</c> (validated at start) and a <see cref="DriftDetector"/>.</summary>
public static class DriftExtensions
{
    /// <summary>Adds the drift detector and its options.</summary>
    public static IHostApplicationBuilder AddDrift(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriftOptions>().Bind(builder.Configuration.GetSection(DriftOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DriftOptions>, DriftOptionsValidator>();
        builder.Services.AddSingleton(sp => new DriftDetector(sp.GetRequiredService<IOptions<DriftOptions>>().Value));
        return builder;
    }

    /// <summary>Fails start-up with the message that names the bad setting.</summary>
    private sealed class DriftOptionsValidator : IValidateOptions<DriftOptions>
    {
        public ValidateOptionsResult Validate(string? name, DriftOptions options) =>
            options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}
