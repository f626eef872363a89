namespace SwarmAgentBot.Ml.Charts;

/// <summary>An 8-bit RGBA colour.</summary>
public readonly record struct Rgba(byte R, byte G, byte B, byte A = 255)
{
    /// <summary>Opaque white.</summary>
    public static Rgba White => new(255, 255, 255);

    /// <summary>Opaque black.</summary>
    public static Rgba Black => new(0, 0, 0);

    /// <summary>The same colour with another opacity (0..255).</summary>
    public Rgba WithAlpha(byte alpha) => this with { A = alpha };

    /// <summary>A colour from "#rrggbb".</summary>
    public static Rgba Hex(string hex) => new(Convert.ToByte(hex.Substring(1, 2), 16), Convert.ToByte(hex.Substring(3, 2), 16), Convert.ToByte(hex.Substring(5, 2), 16));
}

/// <summary>
/// A raster to draw charts on: an RGBA byte array with rectangles, lines, dots and text in the
/// built-in font. Drawing outside the canvas is clipped; translucent colours blend over what is there.
/// </summary>
public sealed class Canvas
{
    private readonly byte[] _pixels;

    /// <summary>A canvas filled with <paramref name="background"/>.</summary>
    public Canvas(int width, int height, Rgba background)
    {
        if (width is < 1 or > 4096 || height is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(width), "Canvas sides must be 1..4096 pixels.");
        Width = width;
        Height = height;
        _pixels = new byte[width * height * 4];
        FillRect(0, 0, width, height, background with { A = 255 });
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The raw RGBA bytes, rows top to bottom.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    /// <summary>The colour at a pixel.</summary>
    public Rgba this[int x, int y]
    {
        get
        {
            var i = (y * Width + x) * 4;
            return new Rgba(_pixels[i], _pixels[i + 1], _pixels[i + 2], _pixels[i + 3]);
        }
    }

    /// <summary>Paints one pixel (blending when <paramref name="color"/> is translucent).</summary>
    public void Plot(int x, int y, Rgba color)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || color.A == 0) return;
        var i = (y * Width + x) * 4;
        if (color.A == 255)
        {
            _pixels[i] = color.R;
            _pixels[i + 1] = color.G;
            _pixels[i + 2] = color.B;
            _pixels[i + 3] = 255;
            return;
        }
        var a = color.A;
        _pixels[i] = (byte)((color.R * a + _pixels[i] * (255 - a) + 127) / 255);
        _pixels[i + 1] = (byte)((color.G * a + _pixels[i + 1] * (255 - a) + 127) / 255);
        _pixels[i + 2] = (byte)((color.B * a + _pixels[i + 2] * (255 - a) + 127) / 255);
        _pixels[i + 3] = 255;
    }

    /// <summary>Fills a rectangle given by its top-left corner and size.</summary>
    public void FillRect(int x, int y, int width, int height, Rgba color)
    {
        var x0 = Math.Max(0, x);
        var y0 = Math.Max(0, y);
        var x1 = Math.Min(Width, x + width);
        var y1 = Math.Min(Height, y + height);
        for (var yy = y0; yy < y1; yy++)
            for (var xx = x0; xx < x1; xx++)
                Plot(xx, yy, color);
    }

    /// <summary>Outlines a rectangle (one pixel wide).</summary>
    public void DrawRect(int x, int y, int width, int height, Rgba color)
    {
        DrawLine(x, y, x + width - 1, y, color);
        DrawLine(x, y + height - 1, x + width - 1, y + height - 1, color);
        DrawLine(x, y, x, y + height - 1, color);
        DrawLine(x + width - 1, y, x + width - 1, y + height - 1, color);
    }

    /// <summary>A straight line (Bresenham), <paramref name="thickness"/> pixels wide; <paramref name="dash"/> &gt; 0 draws dashes of that length.</summary>
    public void DrawLine(int x0, int y0, int x1, int y1, Rgba color, int thickness = 1, int dash = 0)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
        int dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
        var err = dx + dy;
        var step = 0;
        var low = -(thickness - 1) / 2;
        var high = thickness / 2;
        while (true)
        {
            if (dash <= 0 || step / dash % 2 == 0)
            {
                if (thickness == 1) Plot(x0, y0, color);
                else
                    for (var oy = low; oy <= high; oy++)
                        for (var ox = low; ox <= high; ox++)
                            Plot(x0 + ox, y0 + oy, color);
            }
            if (x0 == x1 && y0 == y1) break;
            step++;
            var e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>A filled disc of radius <paramref name="radius"/>.</summary>
    public void FillCircle(int cx, int cy, int radius, Rgba color)
    {
        for (var y = -radius; y <= radius; y++)
            for (var x = -radius; x <= radius; x++)
                if (x * x + y * y <= radius * radius + radius) Plot(cx + x, cy + y, color);
    }

    /// <summary>Writes text with its top-left corner at (x, y) in the built-in font, each font pixel drawn <paramref name="scale"/>×<paramref name="scale"/>.</summary>
    public void DrawText(string text, int x, int y, Rgba color, int scale = 1)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var left = x + i * BitmapFont.Advance * scale;
            for (var gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (var gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.Ink(text[i], gx, gy))
                        FillRect(left + gx * scale, y + gy * scale, scale, scale, color);
        }
    }

    /// <summary>Writes text turned 90° counter-clockwise (reading bottom to top), its bottom-left corner at (x, y).</summary>
    public void DrawTextUp(string text, int x, int y, Rgba color, int scale = 1)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var bottom = y - i * BitmapFont.Advance * scale;
            for (var gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (var gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.Ink(text[i], gx, gy))
                        FillRect(x + gy * scale, bottom - (gx + 1) * scale, scale, scale, color);
        }
    }

    /// <summary>Encodes the canvas as a PNG.</summary>
    public byte[] ToPng() => PngEncoder.Encode(Width, Height, _pixels);
}
