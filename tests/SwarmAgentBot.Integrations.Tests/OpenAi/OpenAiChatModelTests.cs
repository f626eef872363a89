using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Embeddings;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Integrations.OpenAi;
using SwarmAgentBot.Tests.OpenAi;

namespace SwarmAgentBot.Integrations.Tests.OpenAi;

public sealed class OpenAiChatModelTests : IAsyncLifetime
{
    private LoopbackOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private OpenAiChatModel Model(string? key = LoopbackOpenAiServer.DefaultKey, string model = LoopbackOpenAiServer.DefaultModel, TimeSpan? timeout = null) =>
        new(Options.Create(new LlmOptions { Endpoint = _server.Endpoint, ApiKey = key, Model = model, Timeout = timeout ?? TimeSpan.FromSeconds(20) }),
            new SecretScrubber([key]), NullLogger<OpenAiChatModel>.Instance);

    private static readonly ChatToolDefinition Deploy = new("registry__deploy_model", "Deploy a model.", JsonNode.Parse("""
        {"type":"object","properties":{"model":{"type":"string"},"stage":{"type":"string","enum":["staging","production"]}}}
        """)!.AsObject());

    private static ChatRequest Ask(string text, ChatToolMode mode = ChatToolMode.Auto) => new([ChatMessage.System("Plan."), ChatMessage.User(text)], [Deploy], mode, 0);

    [Fact]
    public async Task ToolDefinitionsGoOutAndToolCallsComeBackWithTokenUsage()
    {
        _server.Enqueue(ScriptedReply.Call(("registry__deploy_model", """{"model":"churn","stage":"production"}"""), ("registry__deploy_model", """{"model":"fraud"}""")));

        var completion = await Model().CompleteAsync(Ask("deploy churn and fraud", ChatToolMode.Required));

        Assert.Equal(2, completion.ToolCalls.Count);
        Assert.Equal("registry__deploy_model", completion.ToolCalls[0].Name);
        Assert.Equal("churn", JsonNode.Parse(completion.ToolCalls[0].ArgumentsJson)!["model"]!.ToString());
        Assert.NotEqual(completion.ToolCalls[0].Id, completion.ToolCalls[1].Id);
        Assert.Null(completion.Text);
        Assert.Equal("ToolCalls", completion.FinishReason);
        Assert.Equal(LoopbackOpenAiServer.DefaultModel, completion.Model);
        Assert.True(completion.Usage.InputTokens > 0 && completion.Usage.OutputTokens > 0);

        var sent = Assert.Single(_server.ChatRequests);
        Assert.Equal("required", sent["tool_choice"]!.ToString());
        Assert.Equal("registry__deploy_model", sent["tools"]![0]!["function"]!["name"]!.ToString());
        Assert.Equal("production", sent["tools"]![0]!["function"]!["parameters"]!["properties"]!["stage"]!["enum"]![1]!.ToString());
        Assert.Equal(0, sent["temperature"]!.GetValue<double>());
    }

    [Fact]
    public async Task AConversationWithToolCallsAndToolResultsIsSentInTheWireFormat()
    {
        _server.Enqueue(ScriptedReply.Say("Done planning."));
        var request = new ChatRequest(
        [
            ChatMessage.System("Plan."),
            ChatMessage.User("deploy churn"),
            ChatMessage.AssistantCalls([new ChatToolCall("call_a", "registry__deploy_model", """{"model":"churn"}""")], "Planning."),
            ChatMessage.ToolResult("call_a", "Planned as step 1."),
        ], [Deploy]);

        var completion = await Model().CompleteAsync(request);

        Assert.Equal("Done planning.", completion.Text);
        Assert.Empty(completion.ToolCalls);
        var messages = Assert.Single(_server.ChatRequests)["messages"]!.AsArray();
        Assert.Equal("call_a", messages[2]!["tool_calls"]![0]!["id"]!.ToString());
        Assert.Equal("""{"model":"churn"}""", messages[2]!["tool_calls"]![0]!["function"]!["arguments"]!.ToString());
        Assert.Equal("tool", messages[3]!["role"]!.ToString());
        Assert.Equal("call_a", messages[3]!["tool_call_id"]!.ToString());
    }

    [Fact]
    public async Task MalformedArgumentsArePassedOnAsWrittenForThePlannerToJudge()
    {
        _server.Enqueue(ScriptedReply.Call(("registry__deploy_model", """{"model": "churn", """)));

        var completion = await Model().CompleteAsync(Ask("deploy churn"));

        Assert.Equal("""{"model": "churn", """, Assert.Single(completion.ToolCalls).ArgumentsJson);
    }

    [Fact]
    public async Task AWrongKeyIsARejectionThatNeverShowsTheKey()
    {
        var error = await Assert.ThrowsAsync<ChatModelException>(() => Model(key: "sk-wrong-key-abcdefghijklmnop").CompleteAsync(Ask("hi")));

        Assert.Equal(ChatModelFailure.Rejected, error.Failure);
        Assert.Equal(401, error.StatusCode);
        Assert.DoesNotContain("sk-wrong-key-abcdefghijklmnop", error.Message);
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public async Task AnUnknownModelIsARejection()
    {
        var error = await Assert.ThrowsAsync<ChatModelException>(() => Model(model: "gpt-nonexistent").CompleteAsync(Ask("hi")));

        Assert.Equal(ChatModelFailure.Rejected, error.Failure);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("gpt-nonexistent", error.Message);
    }

    [Theory]
    [InlineData(429, "Rate limit reached for requests")]
    [InlineData(500, "The server had an error while processing your request.")]
    [InlineData(503, "The engine is currently overloaded, please try again later.")]
    public async Task RateLimitsAndServerErrorsAreUnavailabilityReportedAtOnceWithoutRetries(int status, string message)
    {
        _server.Enqueue(ScriptedReply.Error(status, message, status == 429 ? "requests" : "server_error"), ScriptedReply.Say("too late"));

        var error = await Assert.ThrowsAsync<ChatModelException>(() => Model().CompleteAsync(Ask("hi")));

        Assert.Equal(ChatModelFailure.Unavailable, error.Failure);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains(message, error.Message);
        Assert.Single(_server.ChatRequests);
        Assert.Equal(1, _server.PendingReplies);
    }

    [Fact]
    public async Task AServerThatDoesNotAnswerInTimeIsUnavailable()
    {
        _server.Enqueue(ScriptedReply.Say("late").After(TimeSpan.FromSeconds(30)));

        var error = await Assert.ThrowsAsync<ChatModelException>(() => Model(timeout: TimeSpan.FromMilliseconds(300)).CompleteAsync(Ask("hi")));

        Assert.Equal(ChatModelFailure.Unavailable, error.Failure);
        Assert.Contains("did not answer within", error.Message);
    }

    [Fact]
    public async Task AnEndpointNobodyListensOnIsUnavailable()
    {
        // A port that was free a moment ago and that nothing listens on now.
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var model = new OpenAiChatModel(Options.Create(new LlmOptions { Endpoint = $"http://127.0.0.1:{port}/v1", ApiKey = "k", Timeout = TimeSpan.FromSeconds(5) }),
            new SecretScrubber([]), NullLogger<OpenAiChatModel>.Instance);

        var error = await Assert.ThrowsAsync<ChatModelException>(() => model.CompleteAsync(Ask("hi")));

        Assert.Equal(ChatModelFailure.Unavailable, error.Failure);
    }

    [Fact]
    public async Task CancellationByTheCallerStaysACancellation()
    {
        _server.Enqueue(ScriptedReply.Say("late").After(TimeSpan.FromSeconds(30)));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Model().CompleteAsync(Ask("hi"), cts.Token));
    }

    [Fact]
    public async Task TheFixtureRejectsWhatOpenAiRejects()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.Endpoint + "/") };
        async Task<(HttpStatusCode Status, JsonNode Body)> Post(string json, string? key = LoopbackOpenAiServer.DefaultKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var response = await http.SendAsync(request);
            return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }

        var noKey = await Post("""{"model":"gpt-loopback","messages":[{"role":"user","content":"hi"}]}""", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.Status);
        Assert.Equal("invalid_request_error", noKey.Body["error"]!["type"]!.ToString());

        var unanswered = await Post("""{"model":"gpt-loopback","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"user","content":"and?"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, unanswered.Status);
        Assert.Contains("must be followed by tool messages responding to each 'tool_call_id'", unanswered.Body["error"]!["message"]!.ToString());

        var orphan = await Post("""{"model":"gpt-loopback","messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_9","content":"x"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, orphan.Status);

        var dotted = await Post("""{"model":"gpt-loopback","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"registry.deploy_model","parameters":{"type":"object"}}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, dotted.Status);
        Assert.Equal("tools[0].function.name", dotted.Body["error"]!["param"]!.ToString());

        var choiceWithoutTools = await Post("""{"model":"gpt-loopback","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""");
        Assert.Equal(HttpStatusCode.BadRequest, choiceWithoutTools.Status);

        var notJson = await Post("{nope");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public async Task TheFixtureServesEmbeddingsToTheSdkInBothEncodings()
    {
        var client = new EmbeddingClient("gpt-loopback", new ApiKeyCredential(LoopbackOpenAiServer.DefaultKey), new OpenAIClientOptions { Endpoint = new Uri(_server.Endpoint) });

        var result = await client.GenerateEmbeddingsAsync(["roll back a model", "roll back a model version", "weather in Paris"]);

        var vectors = result.Value.Select(e => e.ToFloats().ToArray()).ToList();
        Assert.Equal(3, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(16, v.Length));
        static double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]));

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.Endpoint + "/embeddings") { Content = new StringContent("""{"model":"gpt-loopback","input":""}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LoopbackOpenAiServer.DefaultKey);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.SendAsync(request)).StatusCode);
    }
}
