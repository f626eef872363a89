using System.Text.Json;
using SwarmAgentBot.Host.Channels.DirectLine;

namespace SwarmAgentBot.Host.Tests.DirectLine;

/// <summary>The rented buffer activities and frames are written into: it grows without losing what was written.</summary>
public sealed class PooledBufferWriterTests
{
    [Fact]
    public void JsonLargerThanTheFirstBufferIsWrittenWhole()
    {
        var text = new string('x', 50_000);
        using var buffer = new PooledBufferWriter(16);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", text);
            json.WriteNumber("n", 42);
            json.WriteEndObject();
        }

        using var parsed = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal(text, parsed.RootElement.GetProperty("text").GetString());
        Assert.Equal(42, parsed.RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public void AdvancingPastWhatWasHandedOutIsRefused()
    {
        using var buffer = new PooledBufferWriter(16);
        var handedOut = buffer.GetMemory(8).Length;
        Assert.Throws<InvalidOperationException>(() => buffer.Advance(handedOut + 1));
    }
}
