using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Tests.Channels.Fixtures;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Channels.BotFramework;

/// <summary>Builds hosts pointed at the loopback Bot Framework cloud and activities as the Connector sends them.</summary>
public static class BotFrameworkTestHost
{
    /// <summary>The bot's id on Teams (recipient.id of incoming activities).</summary>
    public const string BotId = "28:" + BotFrameworkCloud.AppId;

    /// <summary>A host with the channel configured for the fixture's app id (or without an app id).</summary>
    public static SwarmWebFactory Create(BotFrameworkCloud cloud, string dataDir, ChannelTestRouter router, DeployAgent agent, bool withAppId = true, bool allowLocal = false)
    {
        var settings = ChannelTestSettings.People();
        settings["Swarm:Channels:BotFramework:OpenIdMetadataUrl"] = cloud.MetadataUrl;
        settings["Swarm:Channels:BotFramework:TokenEndpoint"] = cloud.TokenEndpoint;
        if (withAppId)
        {
            settings["Swarm:Channels:BotFramework:AppId"] = BotFrameworkCloud.AppId;
            settings["Swarm:Channels:BotFramework:AppPassword"] = BotFrameworkCloud.AppPassword;
        }
        if (allowLocal) settings["Swarm:Channels:BotFramework:AllowUnauthenticatedLocal"] = "true";
        return new SwarmWebFactory(dataDir, settings, s =>
        {
            s.AddSingleton<IIntentRouter>(router);
            SwarmWebFactory.RemoveAgents(s, typeof(SwarmAgentBot.Agents.Agents.Storage.StorageAgent), typeof(SwarmAgentBot.Agents.Agents.Registry.RegistryAgent), typeof(SwarmAgentBot.Agents.Agents.Training.TrainingAgent));
            s.AddSingleton<IAgent>(agent);
        });
    }

    /// <summary>A Teams message activity from a user (aadObjectId aad-{name}).</summary>
    public static JsonObject Message(string serviceUrl, string text, string user = "carol", string conversationId = "a:1personal-chat-carol", string channelId = "msteams", string? id = null) => new()
    {
        ["type"] = "message",
        ["id"] = id ?? "1700000000" + Random.Shared.Next(100000, 999999),
        ["timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
        ["serviceUrl"] = serviceUrl,
        ["channelId"] = channelId,
        ["from"] = new JsonObject { ["id"] = "29:1" + user, ["name"] = user, ["aadObjectId"] = "aad-" + user },
        ["conversation"] = new JsonObject { ["conversationType"] = "personal", ["tenantId"] = "tenant-1", ["id"] = conversationId },
        ["recipient"] = new JsonObject { ["id"] = BotId, ["name"] = "SwarmAgentBot" },
        ["textFormat"] = "plain",
        ["text"] = text,
        ["channelData"] = new JsonObject { ["tenant"] = new JsonObject { ["id"] = "tenant-1" } },
    };

    /// <summary>An adaptiveCard/action invoke for a click on card activity <paramref name="cardActivityId"/>.</summary>
    public static JsonObject CardAction(string serviceUrl, string verb, JsonObject data, string cardActivityId, string user, string conversationId = "a:1personal-chat-carol")
    {
        var activity = Message(serviceUrl, "", user, conversationId);
        activity["type"] = "invoke";
        activity["name"] = "adaptiveCard/action";
        activity["replyToId"] = cardActivityId;
        activity.Remove("text");
        activity["value"] = new JsonObject
        {
            ["action"] = new JsonObject { ["type"] = "Action.Execute", ["id"] = "a1", ["verb"] = verb, ["data"] = data },
            ["trigger"] = "manual",
        };
        return activity;
    }

    /// <summary>POST /api/messages with a bearer token (none when null).</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient http, JsonObject activity, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    /// <summary>Waits until the host's channel work queue is empty.</summary>
    public static Task IdleAsync(SwarmWebFactory host) => ChannelTestSettings.IdleAsync(host);
}
