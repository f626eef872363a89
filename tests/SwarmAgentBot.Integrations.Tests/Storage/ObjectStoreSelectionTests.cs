using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Integrations.Local;
using SwarmAgentBot.Integrations.S3;

namespace SwarmAgentBot.Integrations.Tests.Storage;

public sealed class ObjectStoreSelectionTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("swarm-select-").FullName;

    private IServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        settings["Swarm:DataDir"] = _dataDir;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSwarmCore();
        builder.AddObjectStore();
        return builder.Build().Services;
    }

    [Fact]
    public void TheLocalFolderUnderTheDataDirIsTheDefault()
    {
        var store = Assert.IsType<LocalObjectStore>(Build([]).GetRequiredService<IObjectStore>());
        Assert.Equal(Path.Combine(_dataDir, "objects"), store.Root);
    }

    [Fact]
    public void ProviderS3PicksTheS3Store()
    {
        var services = Build(new() { ["Swarm:Storage:Provider"] = "S3", ["Swarm:Storage:S3:Bucket"] = "datasets", ["Swarm:Storage:S3:ServiceUrl"] = "http://127.0.0.1:9000" });
        Assert.Equal("s3://datasets", Assert.IsType<S3ObjectStore>(services.GetRequiredService<IObjectStore>()).Describe());
    }

    [Theory]
    [InlineData("S3", null, "Swarm:Storage:S3:Bucket is required when Provider is S3.")]
    [InlineData("Azure", null, "Swarm:Storage:Provider must be Local or S3 (it is 'Azure').")]
    [InlineData("Local", "-5", "Swarm:Storage:MaxUploadBytes must be a positive number of bytes.")]
    public void InvalidSettingsFailWithAMessageNamingTheSetting(string provider, string? maxUpload, string message)
    {
        var services = Build(new() { ["Swarm:Storage:Provider"] = provider, ["Swarm:Storage:MaxUploadBytes"] = maxUpload });
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IObjectStore>());
        Assert.Contains(message, error.Message);
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
