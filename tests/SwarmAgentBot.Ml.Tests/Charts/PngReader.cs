using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SwarmAgentBot.Ml.Charts;

namespace SwarmAgentBot.Ml.Tests.Charts;

/// <summary>Just enough of a PNG decoder to check what the encoder wrote (8-bit RGBA, filters None and Up).</summary>
internal sealed class PngReader
{
    public PngReader(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(PngEncoder.Signature), "PNG signature");
        var offset = 8;
        using var idat = new MemoryStream();
        while (offset < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(Crc32.Compute(png.AsSpan(offset + 4, 4 + length)), crc);
            Chunks.Add(type);
            if (type == "IHDR")
            {
                Width = BinaryPrimitives.ReadInt32BigEndian(data);
                Height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                BitDepth = data[8];
                ColorType = data[9];
            }
            if (type == "IDAT") idat.Write(data);
            offset += 12 + length;
        }
        using var zlib = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        Scanlines = raw.ToArray();
        Pixels = Unfilter(Scanlines, Width, Height);
    }

    public List<string> Chunks { get; } = [];
    public int Width { get; }
    public int Height { get; }
    public int BitDepth { get; }
    public int ColorType { get; }
    public byte[] Scanlines { get; }
    public byte[] Pixels { get; }

    public Rgba this[int x, int y]
    {
        get
        {
            var i = (y * Width + x) * 4;
            return new Rgba(Pixels[i], Pixels[i + 1], Pixels[i + 2], Pixels[i + 3]);
        }
    }

    private static byte[] Unfilter(byte[] scanlines, int width, int height)
    {
        var stride = width * 4;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = scanlines[y * (stride + 1)];
            for (var x = 0; x < stride; x++)
            {
                var value = scanlines[y * (stride + 1) + 1 + x];
                pixels[y * stride + x] = filter switch
                {
                    0 => value,
                    2 => (byte)(value + (y > 0 ? pixels[(y - 1) * stride + x] : 0)),
                    _ => throw new InvalidDataException($"Unexpected filter {filter}"),
                };
            }
        }
        return pixels;
    }
}
