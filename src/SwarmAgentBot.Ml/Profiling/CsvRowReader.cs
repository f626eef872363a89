using System.Text;

namespace SwarmAgentBot.Ml.Profiling;

/// <summary>One CSV record as byte spans into the reader's buffer; valid until the next read.</summary>
public readonly ref struct CsvRow
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly ReadOnlySpan<int> _starts;
    private readonly ReadOnlySpan<int> _lengths;
    private readonly ReadOnlySpan<byte> _flags;

    internal CsvRow(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> flags, long lineNumber)
    {
        _data = data;
        _starts = starts;
        _lengths = lengths;
        _flags = flags;
        LineNumber = lineNumber;
    }

    /// <summary>Number of fields in the record.</summary>
    public int Count => _starts.Length;

    /// <summary>The 1-based physical line the record starts on (a quoted field may span lines).</summary>
    public long LineNumber { get; }

    /// <summary>Raw bytes of field <paramref name="index"/>, without the surrounding quotes; doubled quotes are still doubled.</summary>
    public ReadOnlySpan<byte> this[int index] => _data.Slice(_starts[index], _lengths[index]);

    /// <summary>True when the field contains doubled quotes ("") that <see cref="Unescape"/> must collapse.</summary>
    public bool NeedsUnescape(int index) => (_flags[index] & CsvRowReader.FlagEscaped) != 0;

    /// <summary>The field's value with doubled quotes collapsed, written to <paramref name="scratch"/> when needed.</summary>
    public ReadOnlySpan<byte> Unescape(int index, Span<byte> scratch)
    {
        var raw = this[index];
        if (!NeedsUnescape(index)) return raw;
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            scratch[n++] = raw[i];
            if (raw[i] == (byte)'"' && i + 1 < raw.Length && raw[i + 1] == (byte)'"') i++;
        }
        return scratch[..n];
    }

    /// <summary>The field as a string (allocates; for headers, previews and samples).</summary>
    public string GetString(int index)
    {
        var raw = this[index];
        if (!NeedsUnescape(index)) return Encoding.UTF8.GetString(raw);
        var scratch = raw.Length <= 512 ? stackalloc byte[raw.Length] : new byte[raw.Length];
        return Encoding.UTF8.GetString(Unescape(index, scratch));
    }
}

/// <summary>
/// A streaming RFC 4180 reader over UTF-8 bytes: quoted fields (with doubled quotes and line
/// breaks inside), LF or CRLF line ends, a UTF-8 byte order mark. It never builds strings per
/// cell: callers get spans into a reusable buffer, so memory depends on the longest record, not
/// on the file. Use it as <c>while (reader.TryReadRow(out var row)) ...; if (!await reader.FillAsync()) break;</c>.
/// </summary>
public sealed class CsvRowReader
{
    internal const byte FlagEscaped = 1;
    private const byte Quote = (byte)'"';
    private const byte Newline = (byte)'\n';

    private readonly Stream _stream;
    private readonly int _maxRecordBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _started;
    private int[] _starts = new int[64];
    private int[] _lengths = new int[64];
    private byte[] _flags = new byte[64];

    /// <summary>Creates a reader; nothing is read until <see cref="FillAsync"/> or <see cref="Fill"/>.</summary>
    /// <param name="stream">UTF-8 CSV bytes.</param>
    /// <param name="delimiter">Field separator byte (',', ';', '\t' or '|'); 0 to infer it with <see cref="PrepareAsync"/>.</param>
    /// <param name="bufferSize">Initial buffer size.</param>
    /// <param name="maxRecordBytes">Longest record accepted; longer means the file is not a usable CSV (e.g. an unclosed quote).</param>
    public CsvRowReader(Stream stream, byte delimiter, int bufferSize = 1 << 20, int maxRecordBytes = 64 << 20)
    {
        _stream = stream;
        Delimiter = delimiter;
        _buffer = new byte[Math.Max(bufferSize, 4096)];
        _maxRecordBytes = maxRecordBytes;
    }

    /// <summary>The field separator.</summary>
    public byte Delimiter { get; private set; }

    /// <summary>What is in the buffer and not yet handed out (the start of the file right after <see cref="PrepareAsync"/>).</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>
    /// Reads the first <paramref name="sniffBytes"/> bytes (or the whole input when shorter), checks
    /// that they look like text, and infers the delimiter when none was given.
    /// Throws <see cref="CsvFormatException"/> for empty or binary input.
    /// </summary>
    public async ValueTask PrepareAsync(int sniffBytes = 64 << 10, CancellationToken cancellationToken = default)
    {
        while (!_eof && _end - _start < sniffBytes && _end < _buffer.Length)
            await FillAsync(cancellationToken).ConfigureAwait(false);
        CsvSniffer.EnsureText(Buffered);
        if (Delimiter == 0) Delimiter = CsvSniffer.InferDelimiter(Buffered);
    }

    /// <summary>The physical line the next record starts on (1-based).</summary>
    public long NextLine { get; private set; } = 1;

    /// <summary>Bytes consumed so far (records handed out).</summary>
    public long BytesConsumed { get; private set; }

    /// <summary>Set when the file ends inside a quoted field: the line it started on.</summary>
    public long? UnterminatedQuoteLine { get; private set; }

    /// <summary>True once the stream is exhausted and every record has been handed out.</summary>
    public bool Completed => _eof && _start >= _end;

    /// <summary>
    /// Reads the next complete record from the buffer. Returns false when the buffer holds no
    /// complete record (call <see cref="FillAsync"/>) or the input is finished (<see cref="Completed"/>).
    /// </summary>
    public bool TryReadRow(out CsvRow row)
    {
        row = default;
        if (_start >= _end) return false;
        var span = _buffer.AsSpan(_start, _end - _start);
        var nl = span.IndexOf(Newline);
        ReadOnlySpan<byte> line;
        int consumed;
        if (nl >= 0) { line = span[..nl]; consumed = nl + 1; }
        else if (_eof) { line = span; consumed = span.Length; }
        else return false;

        int count;
        long newlines = 1;
        if (line.IndexOf(Quote) < 0)
        {
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            count = SplitPlain(line, _start);
        }
        else
        {
            // Quotes may hide delimiters and line breaks: parse from the record start instead.
            var result = ParseQuoted(span, _start, out count, out consumed, out newlines);
            if (!result) return false;
        }

        row = new CsvRow(_buffer, _starts.AsSpan(0, count), _lengths.AsSpan(0, count), _flags.AsSpan(0, count), NextLine);
        NextLine += newlines;
        _start += consumed;
        BytesConsumed += consumed;
        return true;
    }

    /// <summary>Reads more bytes. Returns false when nothing is left to read and no record is pending.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken = default)
    {
        if (!PrepareFill()) return !Completed;
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        return AfterFill(read);
    }

    /// <summary>Synchronous <see cref="FillAsync"/> for in-memory streams.</summary>
    public bool Fill()
    {
        if (!PrepareFill()) return !Completed;
        return AfterFill(_stream.Read(_buffer.AsSpan(_end)));
    }

    private bool PrepareFill()
    {
        if (_eof) return false;
        if (_start > 0)
        {
            // Keep the unfinished record, move it to the front.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= _maxRecordBytes)
                throw new CsvFormatException($"A record starting on line {NextLine} is longer than {_maxRecordBytes / (1 << 20)} MiB; the file is probably not a CSV, or a quote is never closed.");
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, _maxRecordBytes));
        }
        return true;
    }

    private bool AfterFill(int read)
    {
        if (read == 0) _eof = true;
        else _end += read;
        if (!_started && _end >= 3 || !_started && _eof)
        {
            _started = true;
            if (_end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF) { _start = 3; BytesConsumed = 3; }
        }
        return !Completed;
    }

    private int SplitPlain(ReadOnlySpan<byte> line, int offset)
    {
        var count = 0;
        var pos = 0;
        while (true)
        {
            var rest = line[pos..];
            var d = rest.IndexOf(Delimiter);
            var len = d < 0 ? rest.Length : d;
            Add(ref count, offset + pos, len, 0);
            if (d < 0) break;
            pos += d + 1;
        }
        return count;
    }

    private bool ParseQuoted(ReadOnlySpan<byte> span, int offset, out int count, out int consumed, out long newlines)
    {
        count = 0;
        newlines = 1;
        consumed = 0;
        var i = 0;
        while (true)
        {
            // At the start of a field.
            if (i < span.Length && span[i] == Quote)
            {
                var fieldStart = i + 1;
                var j = fieldStart;
                byte flags = 0;
                while (true)
                {
                    var q = span[j..].IndexOf(Quote);
                    if (q < 0)
                    {
                        if (!_eof) return false;
                        // Unclosed quote at the end of input: take the rest as the field and say so.
                        UnterminatedQuoteLine ??= NextLine;
                        newlines += span[fieldStart..].Count(Newline);
                        Add(ref count, offset + fieldStart, span.Length - fieldStart, flags);
                        consumed = span.Length;
                        return true;
                    }
                    j += q;
                    if (j + 1 < span.Length && span[j + 1] == Quote) { flags = FlagEscaped; j += 2; continue; }
                    if (j + 1 >= span.Length && !_eof) return false; // cannot tell "" from " yet
                    break;
                }
                newlines += span[fieldStart..j].Count(Newline);
                Add(ref count, offset + fieldStart, j - fieldStart, flags);
                i = j + 1;
                // Lenient: bytes between the closing quote and the delimiter are ignored.
                while (i < span.Length && span[i] != Delimiter && span[i] != Newline) i++;
            }
            else
            {
                var rest = span[i..];
                var stop = rest.IndexOfAny(Delimiter, Newline);
                if (stop < 0)
                {
                    if (!_eof) return false;
                    Add(ref count, offset + i, TrimCr(rest).Length, 0);
                    consumed = span.Length;
                    return true;
                }
                Add(ref count, offset + i, rest[stop] == Newline ? TrimCr(rest[..stop]).Length : stop, 0);
                i += stop;
            }

            if (i >= span.Length)
            {
                if (!_eof) return false;
                consumed = span.Length;
                return true;
            }
            if (span[i] == Newline) { consumed = i + 1; return true; }
            i++; // the delimiter
            if (i >= span.Length && !_eof) return false;
            if (i >= span.Length) { Add(ref count, offset + i, 0, 0); consumed = span.Length; return true; }
        }
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> s) => s.Length > 0 && s[^1] == (byte)'\r' ? s[..^1] : s;

    private void Add(ref int count, int start, int length, byte flags)
    {
        if (count == _starts.Length)
        {
            Array.Resize(ref _starts, count * 2);
            Array.Resize(ref _lengths, count * 2);
            Array.Resize(ref _flags, count * 2);
        }
        _starts[count] = start;
        _lengths[count] = length;
        _flags[count] = flags;
        count++;
    }
}

/// <summary>The content is not a CSV this system can read; the message says why and what to do.</summary>
public sealed class CsvFormatException(string message) : Exception(message);
