using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>The embeddings endpoint failed or answered something that is not an embeddings response.</summary>
public sealed class EmbeddingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Client for an OpenAI-compatible embeddings API: <c>POST {endpoint}/embeddings</c> with
/// <c>{"model", "input": [...]}</c> and a bearer key; the answer is <c>{"data": [{"embedding": [...], "index": i}]}</c>.
/// Plain <see cref="HttpClient"/> so any server that speaks the wire format works (OpenAI, Azure-compatible
/// proxies, llama.cpp, vLLM, Ollama's OpenAI layer).
/// </summary>
public sealed class EmbeddingClient(HttpClient http, KnowledgeEmbeddingsOptions options)
{
    /// <summary>The model the vectors come from (stored with the index so a model change re-embeds).</summary>
    public string Model => options.Model ?? "";

    /// <summary>Inputs per request.</summary>
    public int BatchSize => options.BatchSize;

    /// <summary>Embeds texts, one vector each, in input order. Vectors are scaled to unit length.</summary>
    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> inputs, CancellationToken cancellationToken = default)
    {
        if (inputs.Count == 0) return [];
        var body = new JsonObject { ["model"] = options.Model, ["input"] = new JsonArray(inputs.Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()) };
        if (options.Dimensions is { } dims) body["dimensions"] = dims;
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Endpoint!.TrimEnd('/') + "/embeddings")
        {
            Content = JsonContent.Create(body),
        };
        if (!string.IsNullOrEmpty(options.ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new EmbeddingException($"The embeddings endpoint {options.Endpoint} could not be reached: {ex.Message}", ex);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new EmbeddingException($"The embeddings endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}: {Shorten(text)}");
            return Parse(text, inputs.Count);
        }
    }

    private static IReadOnlyList<float[]> Parse(string json, int expected)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException ex) { throw new EmbeddingException("The embeddings endpoint did not answer JSON.", ex); }
        if (root?["data"] is not JsonArray data) throw new EmbeddingException("The embeddings response has no \"data\" array.");
        var vectors = new float[expected][];
        foreach (var item in data)
        {
            var index = item?["index"]?.GetValue<int>() ?? -1;
            if (index < 0 || index >= expected) throw new EmbeddingException($"The embeddings response has an item with index {index}, outside 0..{expected - 1}.");
            if (item!["embedding"] is not JsonArray values || values.Count == 0) throw new EmbeddingException($"Item {index} of the embeddings response has no embedding.");
            vectors[index] = Normalise(values.Select(v => v!.GetValue<float>()).ToArray());
        }
        for (var i = 0; i < expected; i++)
            if (vectors[i] is null) throw new EmbeddingException($"The embeddings response has no vector for input {i}.");
        return vectors;
    }

    /// <summary>Scales to unit length, so a dot product is the cosine similarity.</summary>
    public static float[] Normalise(float[] v)
    {
        double sum = 0;
        foreach (var x in v) sum += (double)x * x;
        if (sum <= 0) return v;
        var scale = (float)(1 / Math.Sqrt(sum));
        for (var i = 0; i < v.Length; i++) v[i] *= scale;
        return v;
    }

    private static string Shorten(string s) => s.Length <= 300 ? s : s[..300] + "…";
}
