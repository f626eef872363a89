using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SwarmAgentBot.Tests.Shared;

namespace SwarmAgentBot.Agents.Tests.Knowledge;

/// <summary>
/// A loopback OpenAI-compatible embeddings server (127.0.0.1, random port). Like the real API it
/// requires <c>Authorization: Bearer &lt;key&gt;</c> (401 otherwise), a JSON body with a string
/// <c>model</c> and a non-empty <c>input</c> array of strings (400 otherwise), and answers
/// <c>{"object":"list","data":[{"object":"embedding","embedding":[…],"index":i}],"model":…}</c>.
/// Its "model" is a hashed bag of words in which a few words share a meaning (cap, quota and limit),
/// so a dense search can find what keywords cannot.
/// </summary>
internal sealed class EmbeddingsServerFixture : IAsyncDisposable
{
    public const string Key = "sk-test-123";
    public const int Dimensions = 64;

    private static readonly Dictionary<string, string> Concepts = new(StringComparer.Ordinal)
    {
        ["cap"] = "quota", ["limit"] = "quota", ["quota"] = "quota", ["maximum"] = "quota",
    };

    private LoopbackServer? _server;

    private EmbeddingsServerFixture()
    {
    }

    /// <summary>Base URL to configure as Swarm:Knowledge:Embeddings:Endpoint.</summary>
    public string Endpoint => _server!.BaseUrl + "/v1";

    /// <summary>Every request body received, in order.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    public static async Task<EmbeddingsServerFixture> StartAsync()
    {
        var fixture = new EmbeddingsServerFixture();
        fixture._server = await LoopbackServer.StartAsync(app => app.MapPost("/v1/embeddings", async (HttpContext http) =>
        {
            if (http.Request.Headers.Authorization.ToString() != "Bearer " + Key)
                return Results.Json(new { error = new { message = "Incorrect API key provided.", type = "invalid_request_error" } }, statusCode: 401);
            JsonObject? body;
            try { body = await JsonNode.ParseAsync(http.Request.Body) as JsonObject; }
            catch (System.Text.Json.JsonException) { body = null; }
            if (body?["model"] is not JsonValue model || model.GetValueKind() != System.Text.Json.JsonValueKind.String
                || body["input"] is not JsonArray input || input.Count == 0 || input.Any(i => i is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String))
                return Results.Json(new { error = new { message = "'model' and a non-empty 'input' array of strings are required.", type = "invalid_request_error" } }, statusCode: 400);
            fixture.Requests.Enqueue(body);
            var data = new JsonArray();
            for (var i = 0; i < input.Count; i++)
                data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = new JsonArray(Embed(input[i]!.GetValue<string>()).Select(x => (JsonNode)x).ToArray()) });
            // Real servers may return items in any order; the index field says which input each belongs to.
            var shuffled = new JsonArray(data.Reverse().Select(d => d!.DeepClone()).ToArray());
            return Results.Json(new JsonObject { ["object"] = "list", ["data"] = shuffled, ["model"] = model.GetValue<string>() });
        }));
        return fixture;
    }

    /// <summary>The fixture's deterministic "model": hashed bag of words with shared concepts.</summary>
    public static float[] Embed(string text)
    {
        var v = new float[Dimensions];
        foreach (var word in SwarmAgentBot.Agents.Agents.Knowledge.KnowledgeQuery.Tokenize(text))
        {
            if (SwarmAgentBot.Agents.Agents.Knowledge.KnowledgeQuery.StopWords.Contains(word)) continue;
            var key = Concepts.GetValueOrDefault(word, word);
            var h = 17;
            foreach (var ch in key) h = unchecked(h * 31 + ch);
            v[(h & 0x7fffffff) % Dimensions] += 1;
        }
        return v;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
