using System.Buffers.Binary;
using System.IO.Compression;

namespace SwarmAgentBot.Ml.Charts;

/// <summary>
/// Writes an RGBA raster as a PNG: signature, IHDR (8-bit RGBA), one IDAT holding the zlib
/// stream of the scanlines, IEND. Each scanline uses the "Up" filter where it compresses better
/// than none, which it does for charts' flat colours.
/// </summary>
public static class PngEncoder
{
    /// <summary>The eight bytes every PNG starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes <paramref name="rgba"/> (width × height × 4 bytes, rows top to bottom).</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgba)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "A PNG needs at least one pixel.");
        var stride = width * 4;
        if (rgba.Length != stride * height) throw new ArgumentException($"Expected {stride * height} bytes of RGBA, got {rgba.Length}.", nameof(rgba));

        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;  // bit depth
        header[9] = 6;  // colour type: RGBA
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var line = new byte[stride + 1];
                for (var y = 0; y < height; y++)
                {
                    var row = rgba.Slice(y * stride, stride);
                    if (y > 0 && SameAs(row, rgba.Slice((y - 1) * stride, stride)))
                    {
                        // "Up" filter on an identical row: all zeros, which deflate stores almost for free.
                        line[0] = 2;
                        Array.Clear(line, 1, stride);
                    }
                    else
                    {
                        line[0] = 0;
                        row.CopyTo(line.AsSpan(1));
                    }
                    zlib.Write(line);
                }
            }
            WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    private static bool SameAs(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceEqual(b);

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = Crc32.Update(0xFFFFFFFFu, type);
        crc = Crc32.Update(crc, data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Finish(crc));
        output.Write(word);
    }
}
