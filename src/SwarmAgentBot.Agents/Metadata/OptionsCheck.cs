using Microsoft.Extensions.Options;

namespace SwarmAgentBot.Agents.Metadata;

/// <summary>Validates options with their own <c>Validate()</c>, so the start-up error names the exact setting.</summary>
/// <typeparam name="T">The options type.</typeparam>
public sealed class OptionsCheck<T>(Func<T, string?> validate) : IValidateOptions<T> where T : class
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, T options) => validate(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
