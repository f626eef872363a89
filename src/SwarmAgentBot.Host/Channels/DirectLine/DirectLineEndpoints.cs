using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Host.Channels.DirectLine;

/// <summary>
/// The Direct Line 3.0 endpoints botframework-webchat uses: tokens, conversations, activities
/// with watermarks, uploads, and the websocket stream. A token opens exactly one conversation.
/// </summary>
public static class DirectLineEndpoints
{
    private const string Prefix = "/v3/directline";

    /// <summary>Maps the endpoints.</summary>
    public static WebApplication MapDirectLineEndpoints(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var dl = app.MapGroup(Prefix);
        dl.MapPost("/tokens/generate", GenerateToken);
        dl.MapPost("/tokens/refresh", RefreshToken);
        dl.MapPost("/conversations", StartConversation);
        dl.MapGet("/conversations/{conversationId}", Reconnect);
        dl.MapPost("/conversations/{conversationId}/activities", PostActivity);
        dl.MapGet("/conversations/{conversationId}/activities", GetActivities);
        dl.MapPost("/conversations/{conversationId}/upload", Upload).DisableAntiforgery();
        dl.Map("/conversations/{conversationId}/stream", Stream);
        // The web chat page asks its own host for a token (no secret in the browser).
        app.MapPost("/api/webchat/token", WebChatToken);
        return app;
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    private sealed record Caller(bool IsSecret, DirectLineToken? Token);

    private static Caller? Authenticate(HttpContext http, DirectLineConversations conversations, DirectLineOptions options, string? queryToken = null)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : queryToken;
        if (string.IsNullOrEmpty(presented)) return null;
        if (options.Secret is { Length: > 0 } secret &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(secret)))
            return new Caller(true, null);
        var token = conversations.Validate(presented);
        return token is null ? null : new Caller(false, token);
    }

    /// <summary>Checks the caller may use the conversation; returns an error result or null.</summary>
    private static IResult? Authorize(Caller? caller, string conversationId, DirectLineConversations conversations, out DirectLineConversation? conversation)
    {
        conversation = null;
        if (caller is null) return Error(401, "TokenInvalid", "Missing, invalid or expired token. Get a new one from /v3/directline/tokens/generate.");
        if (!caller.IsSecret && caller.Token!.ConversationId != conversationId)
            return Error(403, "Forbidden", "This token belongs to another conversation.");
        conversation = conversations.Find(conversationId);
        return conversation is null ? Error(404, "NotFound", $"No conversation '{conversationId}'.") : null;
    }

    private static string StreamUrl(HttpContext http, string conversationId, string token)
    {
        var scheme = http.Request.IsHttps ? "wss" : "ws";
        return $"{scheme}://{http.Request.Host}{Prefix}/conversations/{Uri.EscapeDataString(conversationId)}/stream?t={Uri.EscapeDataString(token)}";
    }

    private static object TokenBody(DirectLineToken t, TimeProvider clock) =>
        new { conversationId = t.ConversationId, token = t.Token, expires_in = (int)(t.ExpiresAt - clock.GetUtcNow()).TotalSeconds };

    private static async Task<IResult> GenerateToken(HttpContext http, DirectLineConversations conversations, IOptions<DirectLineOptions> options, TimeProvider clock)
    {
        var o = options.Value;
        if (o.Secret is { Length: > 0 } && Authenticate(http, conversations, o) is not { IsSecret: true })
            return Error(401, "Unauthorized", "Generating a token needs the Direct Line secret as a bearer token.");
        var (body, error) = await ReadJsonAsync(http, o.MaxActivityBytes, allowEmpty: true);
        if (error is not null) return error;
        var user = body?["user"] as JsonObject;
        var conversation = conversations.Create();
        var token = conversations.IssueToken(conversation.Id, user?["id"]?.ToString());
        return Results.Ok(TokenBody(token, clock));
    }

    private static IResult RefreshToken(HttpContext http, DirectLineConversations conversations, IOptions<DirectLineOptions> options, TimeProvider clock)
    {
        var caller = Authenticate(http, conversations, options.Value);
        if (caller?.Token is null) return Error(401, "TokenInvalid", "Refresh needs a valid, unexpired token.");
        var fresh = conversations.Refresh(caller.Token.Token)!;
        return Results.Ok(TokenBody(fresh, clock));
    }

    private static IResult StartConversation(HttpContext http, DirectLineConversations conversations, IOptions<DirectLineOptions> options, TimeProvider clock)
    {
        var caller = Authenticate(http, conversations, options.Value);
        if (caller is null) return Error(401, "TokenInvalid", "Missing, invalid or expired token: starting a conversation needs a token (or the Direct Line secret).");
        var token = caller.Token ?? conversations.IssueToken(conversations.Create().Id, null);
        conversations.GetOrCreate(token.ConversationId);
        var body = new { conversationId = token.ConversationId, token = token.Token, expires_in = (int)(token.ExpiresAt - clock.GetUtcNow()).TotalSeconds, streamUrl = StreamUrl(http, token.ConversationId, token.Token) };
        return Results.Json(body, statusCode: 201);
    }

    private static IResult Reconnect(HttpContext http, string conversationId, DirectLineConversations conversations, IOptions<DirectLineOptions> options)
    {
        var caller = Authenticate(http, conversations, options.Value);
        if (Authorize(caller, conversationId, conversations, out _) is { } denied) return denied;
        var token = caller!.Token ?? conversations.IssueToken(conversationId, null);
        return Results.Ok(new { conversationId, token = token.Token, streamUrl = StreamUrl(http, conversationId, token.Token) });
    }

    private static async Task<IResult> PostActivity(HttpContext http, string conversationId, DirectLineConversations conversations, IOptions<DirectLineOptions> options)
    {
        var caller = Authenticate(http, conversations, options.Value);
        if (Authorize(caller, conversationId, conversations, out var conversation) is { } denied) return denied;
        var (activity, error) = await ReadJsonAsync(http, options.Value.MaxActivityBytes, allowEmpty: false);
        if (error is not null) return error;
        var id = Accept(conversation!, caller!, activity!, [], out var invalid);
        return invalid is not null ? Error(400, "BadArgument", invalid) : Results.Ok(new { id });
    }

    private static IResult GetActivities(HttpContext http, string conversationId, string? watermark, DirectLineConversations conversations, IOptions<DirectLineOptions> options)
    {
        var caller = Authenticate(http, conversations, options.Value);
        if (Authorize(caller, conversationId, conversations, out var conversation) is { } denied) return denied;
        if (!TryParseWatermark(watermark, out var mark)) return Error(400, "BadArgument", "watermark must be a non-negative integer.");
        var (activities, next) = conversation!.Since(mark);
        return Results.Ok(new { activities, watermark = next < 0 ? null : next.ToString(CultureInfo.InvariantCulture) });
    }

    private static async Task<IResult> Upload(HttpContext http, string conversationId, string? userId, DirectLineConversations conversations, IOptions<DirectLineOptions> options)
    {
        var o = options.Value;
        var caller = Authenticate(http, conversations, o);
        if (Authorize(caller, conversationId, conversations, out var conversation) is { } denied) return denied;
        if (!http.Request.HasFormContentType) return Error(400, "BadArgument", "Upload must be multipart/form-data.");
        if (http.Request.ContentLength > o.MaxUploadBytes) return Error(413, "MessageSizeTooBig", $"Uploads are limited to {o.MaxUploadBytes / (1024 * 1024)} MB.");
        IFormCollection form;
        try { form = await http.Request.ReadFormAsync(http.RequestAborted); }
        catch (InvalidDataException ex) { return Error(400, "BadArgument", "Could not read the upload: " + ex.Message); }

        JsonObject activity = new() { ["type"] = "message" };
        var files = new List<FileAttachment>();
        foreach (var file in form.Files)
        {
            if (file.Name == "activity")
            {
                using var reader = new StreamReader(file.OpenReadStream());
                try { activity = JsonNode.Parse(await reader.ReadToEndAsync(http.RequestAborted)) as JsonObject ?? activity; }
                catch (JsonException ex) { return Error(400, "BadArgument", "The activity part is not valid JSON: " + ex.Message); }
                continue;
            }
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, http.RequestAborted);
            files.Add(new FileAttachment(file.FileName, file.ContentType, null, buffer.ToArray()));
        }
        if (userId is not null && activity["from"] is null) activity["from"] = new JsonObject { ["id"] = userId };
        // The replay buffer gets names only; the bytes go to the bot.
        activity["attachments"] = new JsonArray(files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["contentType"] = f.ContentType }).ToArray());
        var id = Accept(conversation!, caller!, activity, files, out var invalid);
        return invalid is not null ? Error(400, "BadArgument", invalid) : Results.Ok(new { id });
    }

    private static async Task Stream(HttpContext http, string conversationId, string? t, string? watermark, DirectLineConversations conversations, IOptions<DirectLineOptions> options)
    {
        var caller = Authenticate(http, conversations, options.Value, t);
        if (Authorize(caller, conversationId, conversations, out var conversation) is { } denied) { await denied.ExecuteAsync(http); return; }
        if (!http.WebSockets.IsWebSocketRequest) { await Error(400, "BadArgument", "This endpoint is a websocket stream.").ExecuteAsync(http); return; }
        if (!TryParseWatermark(watermark, out var mark)) { await Error(400, "BadArgument", "watermark must be a non-negative integer.").ExecuteAsync(http); return; }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        _ = DrainAsync(socket, closed);
        // Each frame splices the activities' stored JSON instead of re-serialising them, into a buffer rented for that frame:
        // an open socket holds no buffer while it waits.
        await using var json = new Utf8JsonWriter(System.IO.Stream.Null);
        var hold = options.Value.EchoHold;
        var held = hold <= TimeSpan.Zero;
        try
        {
            while (!closed.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var (activities, next, answering, changed) = conversation!.JsonSince(mark);
                var change = changed.WaitAsync(closed.Token);
                if (activities.Count > 0 && answering && !held)
                {
                    // The bot is answering a message (usually within a millisecond or two): wait for its reply, up to
                    // EchoHold, so the user's echo and the reply go out as one activity set — one frame and one
                    // wake-up for the client instead of two. Held once: then whatever is there is sent.
                    held = true;
                    await change.WaitAsync(hold, closed.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }
                held = hold <= TimeSpan.Zero;
                if (activities.Count > 0)
                {
                    using var frame = new PooledBufferWriter(4096);
                    try
                    {
                        json.Reset(frame);
                        json.WriteStartObject();
                        json.WriteStartArray("activities");
                        foreach (var activity in activities) json.WriteRawValue(activity, skipInputValidation: true);
                        json.WriteEndArray();
                        json.WriteString("watermark", next.ToString(CultureInfo.InvariantCulture));
                        json.WriteEndObject();
                        await json.FlushAsync(closed.Token);
                        await socket.SendAsync(frame.WrittenMemory, WebSocketMessageType.Text, true, closed.Token);
                    }
                    finally
                    {
                        json.Reset(System.IO.Stream.Null); // the writer must not point at the frame once it is back in the pool
                    }
                    mark = next;
                }
                await change;
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        if (socket.State == WebSocketState.Open)
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }

    private static async Task DrainAsync(WebSocket socket, CancellationTokenSource closed)
    {
        // Clients send nothing on the stream; reading notices when they go away.
        // Only close frames arrive here (their payload is at most 125 bytes).
        var buffer = new byte[128];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var r = await socket.ReceiveAsync(buffer, closed.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException) { }
        await closed.CancelAsync();
    }

    private static async Task<IResult> WebChatToken(HttpContext http, DirectLineConversations conversations, IOptions<DirectLineOptions> options, TimeProvider clock)
    {
        var (body, error) = await ReadJsonAsync(http, 4096, allowEmpty: true);
        if (error is not null) return error;
        var user = body?["user"]?.ToString() ?? http.Request.Query["user"].ToString();
        if (string.IsNullOrWhiteSpace(user)) user = "web-" + Guid.NewGuid().ToString("N")[..8];
        if (user.Length > 64 || user.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '@')))
            return Error(400, "BadArgument", "user must be 1-64 letters, digits, '-', '_', '.' or '@'.");
        var conversation = conversations.Create();
        var token = conversations.IssueToken(conversation.Id, user);
        return Results.Ok(new { conversationId = token.ConversationId, token = token.Token, expires_in = (int)(token.ExpiresAt - clock.GetUtcNow()).TotalSeconds, userId = user });
    }

    private static string? Accept(DirectLineConversation conversation, Caller caller, JsonObject activity, IReadOnlyList<FileAttachment> files, out string? invalid)
    {
        invalid = null;
        if (activity["type"] is not JsonValue typeValue || !typeValue.TryGetValue<string>(out var type) || type.Length == 0)
        {
            invalid = "The activity needs a \"type\" (for example \"message\").";
            return null;
        }
        if (activity["text"] is { } text && text.GetValueKind() != JsonValueKind.String)
        {
            invalid = "\"text\" must be a string.";
            return null;
        }
        if (activity["from"] is { } fromNode && fromNode is not JsonObject)
        {
            invalid = "\"from\" must be an object with an \"id\".";
            return null;
        }
        // A token issued for a user speaks for that user only: no one can post as an approver they are not.
        var from = activity["from"] as JsonObject ?? new JsonObject();
        if (caller.Token?.UserId is { } bound) from["id"] = bound;
        if (from["id"] is null) from["id"] = "anonymous";
        from["role"] = "user";
        activity["from"] = from;
        activity["channelId"] = DirectLineBot.ChannelId;
        activity["timestamp"] = DateTimeOffset.UtcNow.ToString("O");
        if (type is not ("message" or "invoke")) return conversation.Append(activity);
        var id = conversation.BeginTurn(activity);
        conversation.Inbox.Writer.TryWrite(new InboundActivity(activity, files)); // the buffer keeps its own copy (JSON)
        return id;
    }

    private static bool TryParseWatermark(string? watermark, out long? mark)
    {
        mark = null;
        if (string.IsNullOrEmpty(watermark)) return true;
        if (long.TryParse(watermark, NumberStyles.None, CultureInfo.InvariantCulture, out var m)) { mark = m; return true; }
        return false;
    }

    private static async Task<(JsonObject? Body, IResult? Error)> ReadJsonAsync(HttpContext http, int maxBytes, bool allowEmpty)
    {
        if (http.Request.ContentLength > maxBytes) return (null, Error(413, "MessageSizeTooBig", $"The request body is larger than {maxBytes:N0} bytes."));
        // A pooled buffer: every posted activity passes here, and a fresh 8 KB chunk plus a copy per post showed up as garbage.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(http.Request.ContentLength ?? 4096, maxBytes) + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer.AsMemory(length), http.RequestAborted)) > 0)
            {
                length += read;
                if (length > maxBytes) return (null, Error(413, "MessageSizeTooBig", $"The request body is larger than {maxBytes:N0} bytes."));
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            if (length == 0) return allowEmpty ? (null, null) : (null, Error(400, "BadArgument", "The request body is empty; send an activity as JSON."));
            return JsonNode.Parse(buffer.AsSpan(0, length)) is JsonObject o ? (o, null) : (null, Error(400, "BadArgument", "The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, Error(400, "BadArgument", $"The body is not valid JSON: {ex.Message}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
