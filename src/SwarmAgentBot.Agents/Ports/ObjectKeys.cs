namespace SwarmAgentBot.Agents.Ports;

/// <summary>
/// The key rules every <see cref="IObjectStore"/> enforces, so a key means the same on a local
/// folder and in a bucket and can never escape the store: '/'-separated segments of letters,
/// digits and <c>. _ - = + @ , ~</c>; no empty, "." or ".." segment, no segment starting with '.',
/// no leading or trailing '/', at most 1024 characters.
/// </summary>
public static class ObjectKeys
{
    /// <summary>Longest key accepted.</summary>
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="key"/> is not a valid object key, or null when it is.</summary>
    public static string? Problem(string? key)
    {
        if (string.IsNullOrEmpty(key)) return "the key is empty";
        if (key.Length > MaxLength) return $"the key is longer than {MaxLength} characters";
        if (key[0] == '/') return "it starts with '/'";
        if (key[^1] == '/') return "it ends with '/'";
        return SegmentsProblem(key);
    }

    /// <summary>Why <paramref name="prefix"/> is not a valid listing prefix ("" and "runs/12/" are fine), or null.</summary>
    public static string? PrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix)) return null;
        if (prefix.Length > MaxLength) return $"the prefix is longer than {MaxLength} characters";
        if (prefix[0] == '/') return "it starts with '/'";
        return SegmentsProblem(prefix.EndsWith('/') ? prefix[..^1] : prefix);
    }

    /// <summary>Throws <see cref="ObjectStoreException"/> naming the problem when <paramref name="key"/> is invalid.</summary>
    public static void Validate(string key)
    {
        if (Problem(key) is { } problem) throw new ObjectStoreException($"'{Printable(key)}' is not a valid object key: {problem}.");
    }

    /// <summary>Throws <see cref="ObjectStoreException"/> naming the problem when <paramref name="prefix"/> is invalid.</summary>
    public static void ValidatePrefix(string prefix)
    {
        if (PrefixProblem(prefix) is { } problem) throw new ObjectStoreException($"'{Printable(prefix)}' is not a valid key prefix: {problem}.");
    }

    /// <summary>True for the characters a key segment may contain.</summary>
    public static bool IsKeyChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-' or '=' or '+' or '@' or ',' or '~';

    private static string? SegmentsProblem(string path)
    {
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0) return "it has an empty segment ('//')";
            if (segment is "." or "..") return $"it has a '{segment}' segment (path traversal)";
            if (segment[0] == '.') return $"the segment '{segment}' starts with '.'";
            foreach (var c in segment)
                if (!IsKeyChar(c))
                    return char.IsControl(c) ? $"it contains a control character (U+{(int)c:X4})" : $"it contains '{c}', which keys may not contain (letters, digits and . _ - = + @ , ~ only)";
        }
        return null;
    }

    private static string Printable(string? s) => s is null ? "" : new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
