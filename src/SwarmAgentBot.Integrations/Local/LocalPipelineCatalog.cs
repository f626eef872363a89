using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>
/// The pipelines in manifests/pipelines/*.yaml, read on each call so an edited file counts at once.
/// A broken file does not hide the others: it is skipped in listings (with a warning) and its own
/// name reports the problem.
/// </summary>
public sealed class LocalPipelineCatalog(IOptions<PipelinesOptions> options, ILogger<LocalPipelineCatalog> logger)
{
    /// <summary>The folder read.</summary>
    public string Folder => options.Value.PipelinesFolder;

    /// <summary>Every valid pipeline, by name.</summary>
    public IReadOnlyList<PipelineManifest> List()
    {
        var result = new List<PipelineManifest>();
        foreach (var (file, manifest, error) in Load())
        {
            if (manifest is not null) result.Add(manifest);
            else logger.LogWarning("Skipping pipeline manifest {File}: {Error}", file, error);
        }
        return result.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The pipeline named <paramref name="name"/>; throws <see cref="PipelineNotFoundException"/>, or <see cref="PipelineException"/> when its file is invalid.</summary>
    public PipelineManifest Get(string name)
    {
        var all = Load();
        foreach (var (file, manifest, error) in all)
        {
            if (manifest is not null && string.Equals(manifest.Name, name, StringComparison.OrdinalIgnoreCase)) return manifest;
            if (manifest is null && string.Equals(Path.GetFileNameWithoutExtension(file), name, StringComparison.OrdinalIgnoreCase))
                throw new PipelineException(error!);
        }
        throw new PipelineNotFoundException(name, all.Where(a => a.Manifest is not null).Select(a => a.Manifest!.Name).Order(StringComparer.Ordinal).ToList());
    }

    private List<(string File, PipelineManifest? Manifest, string? Error)> Load()
    {
        var folder = Folder;
        if (!Directory.Exists(folder))
        {
            logger.LogWarning("Pipeline folder {Folder} does not exist (Swarm:Pipelines:ManifestsPath)", folder);
            return [];
        }
        var result = new List<(string, PipelineManifest?, string?)>();
        foreach (var file in Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            try
            {
                result.Add((file, PipelineManifests.Parse(File.ReadAllText(file), Path.GetFileName(file)), null));
            }
            catch (PipelineException ex)
            {
                result.Add((file, null, ex.Message));
            }
        }
        return result;
    }
}
