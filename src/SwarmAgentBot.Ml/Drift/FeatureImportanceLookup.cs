namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Finds the feature importance of a registered model (column name → importance), or null when the model is unknown.
/// The model registry provides it; drift checks use it for the importance-weighted drift share.
/// </summary>
/// <param name="model">Model name, optionally with @alias or :version.</param>
/// <param name="cancellationToken">Cancels the lookup.</param>
public delegate Task<IReadOnlyDictionary<string, double>?> FeatureImportanceLookup(string model, CancellationToken cancellationToken = default);
