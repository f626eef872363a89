using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Agents.Agents.Storage;

/// <summary>One stored version of a dataset.</summary>
/// <param name="Name">Dataset name (lower case).</param>
/// <param name="Version">1, 2, ... (a new one per changed upload).</param>
/// <param name="Sha256">SHA-256 of the stored bytes (hex).</param>
/// <param name="SizeBytes">Size of the stored object.</param>
/// <param name="RowCount">Data rows.</param>
/// <param name="Columns">Inferred schema: column names and types, in file order.</param>
/// <param name="Delimiter">The field delimiter.</param>
/// <param name="ObjectKey">Where the bytes are in the object store.</param>
/// <param name="Location">The object as a URL ("s3://bucket/datasets/...", "file:///.../datasets/...").</param>
/// <param name="SourceName">The file name it was uploaded from, if known.</param>
/// <param name="UploadedBy">Who uploaded it.</param>
/// <param name="UploadedAt">When it was registered.</param>
public sealed record DatasetVersion(
    string Name,
    int Version,
    string Sha256,
    long SizeBytes,
    long RowCount,
    IReadOnlyList<DatasetColumn> Columns,
    char Delimiter,
    string ObjectKey,
    string Location,
    string? SourceName,
    string UploadedBy,
    DateTimeOffset UploadedAt)
{
    /// <summary>"churn v2".</summary>
    public string Label => $"{Name} v{Version}";
}

/// <summary>A column of a dataset's inferred schema.</summary>
/// <param name="Name">Header name.</param>
/// <param name="Type">Inferred type.</param>
public sealed record DatasetColumn(string Name, ColumnType Type);

/// <summary>The outcome of an upload.</summary>
/// <param name="Dataset">The registered version (new, or the existing one with the same content).</param>
/// <param name="AlreadyExisted">True when the same content was already registered under this name: nothing new was stored.</param>
/// <param name="Profile">The profile computed while checking the file.</param>
public sealed record DatasetUpload(DatasetVersion Dataset, bool AlreadyExisted, CsvProfile Profile);

/// <summary>An upload or lookup the user must fix; the message says what and how.</summary>
public sealed class DatasetException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The dataset registry (table <c>datasets</c> in the metadata store) and the only way datasets
/// get in: an upload is staged to a temporary file while it is hashed and size-checked, profiled
/// in one pass (which rejects what is not a usable CSV), written to the object store, and only
/// then registered in one transaction. A failure anywhere leaves no object and no row.
/// </summary>
public sealed class DatasetRegistry(
    SwarmDatabase database,
    IObjectStore store,
    IOptions<StorageOptions> options,
    IOptions<SwarmOptions> swarm,
    TimeProvider time,
    ILogger<DatasetRegistry> logger)
{
    /// <summary>The migration creating the table.</summary>
    public static readonly SqlMigration Migration = new("0100-datasets", """
        CREATE TABLE datasets (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          version INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          size_bytes INTEGER NOT NULL,
          row_count INTEGER NOT NULL,
          column_count INTEGER NOT NULL,
          delimiter TEXT NOT NULL,
          schema_json TEXT NOT NULL,
          profile_json TEXT NOT NULL,
          object_key TEXT NOT NULL,
          location TEXT NOT NULL,
          source_name TEXT,
          uploaded_by TEXT NOT NULL,
          uploaded_at TEXT NOT NULL,
          UNIQUE (name, version),
          UNIQUE (name, sha256)
        );
        CREATE INDEX ix_datasets_name ON datasets(name);
        """);

    /// <summary>File types people try to upload that are not CSV, with what to say.</summary>
    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.OrdinalIgnoreCase)
    {
        [".xlsx"] = "an Excel workbook", [".xls"] = "an Excel workbook", [".xlsm"] = "an Excel workbook", [".ods"] = "a spreadsheet",
        [".parquet"] = "a Parquet file", [".json"] = "a JSON file", [".jsonl"] = "a JSON Lines file", [".feather"] = "a Feather file",
        [".arrow"] = "an Arrow file", [".orc"] = "an ORC file", [".avro"] = "an Avro file", [".pkl"] = "a pickle", [".pickle"] = "a pickle",
        [".zip"] = "a ZIP archive", [".gz"] = "a gzip file", [".h5"] = "an HDF5 file", [".sav"] = "an SPSS file", [".dta"] = "a Stata file",
    };

    internal static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>What every format message ends with.</summary>
    public const string SupportedFormats = CsvSniffer.SupportedFormats;

    /// <summary>"Churn.CSV" → "churn": lower case, without a .csv/.tsv/.txt extension or surrounding spaces.</summary>
    public static string NormalizeName(string raw)
    {
        var name = raw.Trim().ToLowerInvariant();
        foreach (var ext in new[] { ".csv", ".tsv", ".txt" })
            if (name.EndsWith(ext, StringComparison.Ordinal) && name.Length > ext.Length) return name[..^ext.Length];
        return name;
    }

    /// <summary>Why <paramref name="raw"/> cannot be a dataset name, or null when it can (after <see cref="NormalizeName"/>).</summary>
    public static string? NameProblem(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return "A dataset needs a name.";
        if (raw.Contains('/') || raw.Contains('\\') || raw.Contains(".."))
            return $"'{Printable(raw)}' is not a dataset name: names cannot contain '/', '\\' or '..' (that would point outside the dataset folder).";
        var name = NormalizeName(raw);
        if (name.Length > 64) return $"'{Printable(raw)}' is too long for a dataset name (64 characters at most).";
        if (!char.IsAsciiLetterOrDigit(name[0]))
            return $"'{Printable(raw)}' is not a dataset name: it must start with a letter or digit.";
        var odd = name.FirstOrDefault(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'));
        if (odd != default)
            return $"'{Printable(raw)}' is not a dataset name: it contains {(char.IsControl(odd) ? "a control character" : $"'{odd}'")}. Use letters, digits, '.', '_' and '-'.";
        return null;
    }

    /// <summary>Why a file called <paramref name="fileName"/> cannot be uploaded (by its extension), or null.</summary>
    public static string? FileTypeProblem(string? fileName)
    {
        var ext = Path.GetExtension(fileName ?? "");
        return Unsupported.TryGetValue(ext, out var kind)
            ? $"'{fileName}' is {kind}: not supported yet, export it as CSV. {SupportedFormats}"
            : null;
    }

    /// <summary>
    /// Stores <paramref name="content"/> as a new version of dataset <paramref name="name"/> (or
    /// returns the existing version when the bytes are the same). Throws <see cref="DatasetException"/>
    /// for input to fix and <see cref="ObjectStoreException"/> when the store fails; either way
    /// nothing is registered and no object is left behind.
    /// </summary>
    public async Task<DatasetUpload> UploadAsync(string name, Stream content, string uploadedBy, string? sourceName = null, CancellationToken cancellationToken = default)
    {
        if (NameProblem(name) is { } nameProblem) throw new DatasetException(nameProblem);
        if (FileTypeProblem(sourceName) is { } typeProblem) throw new DatasetException(typeProblem);
        name = NormalizeName(name);

        var staging = Path.Combine(swarm.Value.DataDirFullPath, "tmp");
        Directory.CreateDirectory(staging);
        var temp = Path.Combine(staging, $"upload-{Guid.NewGuid():N}.part");
        try
        {
            var (sha, size) = await StageAsync(content, temp, cancellationToken);
            CsvProfile profile;
            try
            {
                profile = await CsvProfiler.ProfileFileAsync(temp, cancellationToken: cancellationToken);
            }
            catch (CsvFormatException ex)
            {
                throw new DatasetException(ex.Message, ex);
            }
            if (profile.Problem() is { } csvProblem) throw new DatasetException(csvProblem);

            if (await FindByHashAsync(name, sha, cancellationToken) is { } same)
                return new DatasetUpload(same, true, profile);

            // Content-addressed key: two uploads never race for one object, and a retry rewrites the same bytes.
            var key = $"datasets/{name}/{sha[..16]}/{name}.csv";
            await using (var file = File.OpenRead(temp))
                await store.PutAsync(key, file, "text/csv", cancellationToken);

            try
            {
                var (dataset, created) = await RegisterAsync(name, sha, size, profile, key, sourceName, uploadedBy, cancellationToken);
                if (created) logger.LogInformation("Registered dataset {Dataset} v{Version} ({Rows} rows, {Bytes} bytes) at {Key}", dataset.Name, dataset.Version, dataset.RowCount, size, key);
                return new DatasetUpload(dataset, !created, profile);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await RemoveUnreferencedAsync(key);
                throw;
            }
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private async Task<(string Sha, long Size)> StageAsync(Stream content, string temp, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUploadBytes;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[1 << 16];
        await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        while (true)
        {
            int read;
            try
            {
                read = await content.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new DatasetException($"Reading the upload failed after {size:N0} bytes: {ex.Message}. Nothing was stored; please try again.", ex);
            }
            if (read == 0) break;
            size += read;
            if (size > limit)
                throw new DatasetException($"The file is larger than the upload limit of {FormatBytes(limit)} (Swarm:Storage:MaxUploadBytes). Nothing was stored. Upload a smaller extract, or ask an admin to raise the limit.");
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }

    private async Task<(DatasetVersion Dataset, bool Created)> RegisterAsync(string name, string sha, long size, CsvProfile profile, string key, string? sourceName, string uploadedBy, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the version number is read and used under the write lock, so two uploads cannot take the same one.
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        try
        {
            var existing = await connection.QuerySingleOrDefaultAsync<DatasetRow>(SelectSql + " WHERE name = @name AND sha256 = @sha", new { name, sha });
            if (existing is not null)
            {
                // The same bytes were registered meanwhile (a concurrent upload): that row stands.
                await connection.ExecuteAsync("COMMIT");
                return (existing.ToVersion(), false);
            }
            var version = await connection.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) + 1 FROM datasets WHERE name = @name", new { name });
            var schema = profile.Columns.Select(c => new DatasetColumn(c.Name, c.Type)).ToList();
            var at = time.GetUtcNow();
            await connection.ExecuteAsync(
                """
                INSERT INTO datasets (name, version, sha256, size_bytes, row_count, column_count, delimiter, schema_json, profile_json, object_key, location, source_name, uploaded_by, uploaded_at)
                VALUES (@name, @version, @sha, @size, @rows, @columns, @delimiter, @schema, @profile, @key, @location, @sourceName, @uploadedBy, @at)
                """,
                new
                {
                    name, version, sha, size, rows = profile.Rows, columns = profile.Columns.Count, delimiter = profile.Delimiter.ToString(),
                    schema = JsonSerializer.Serialize(schema, Json), profile = JsonSerializer.Serialize(profile, Json),
                    key, location = LocationOf(key), sourceName, uploadedBy, at = at.ToString("O"),
                });
            await connection.ExecuteAsync("COMMIT");
            return (new DatasetVersion(name, version, sha, size, profile.Rows, schema, profile.Delimiter, key, LocationOf(key), sourceName, uploadedBy, at), true);
        }
        catch
        {
            await connection.ExecuteAsync("ROLLBACK");
            throw;
        }
    }

    /// <summary>Every version of every dataset, by name, newest version first.</summary>
    public async Task<IReadOnlyList<DatasetVersion>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DatasetRow>(SelectSql + " ORDER BY name, version DESC");
        return rows.Select(r => r.ToVersion()).ToList();
    }

    /// <summary>A version of a dataset (the latest when <paramref name="version"/> is null), or null. The name is normalised ("Churn.csv" finds "churn").</summary>
    public async Task<DatasetVersion?> GetAsync(string name, int? version = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DatasetRow>(
            SelectSql + " WHERE name = @name AND (@version IS NULL OR version = @version) ORDER BY version DESC LIMIT 1",
            new { name = NormalizeName(name), version });
        return row?.ToVersion();
    }

    /// <summary>Dataset names containing <paramref name="text"/> (for "did you mean"), alphabetically.</summary>
    public async Task<IReadOnlyList<string>> FindNamesAsync(string text, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var needle = NormalizeName(text);
        var names = await connection.QueryAsync<string>(
            "SELECT DISTINCT name FROM datasets WHERE instr(name, @needle) > 0 OR instr(@needle, name) > 0 ORDER BY name", new { needle });
        return names.ToList();
    }

    /// <summary>The profile computed when the version was uploaded.</summary>
    public async Task<CsvProfile> GetProfileAsync(DatasetVersion dataset, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var json = await connection.ExecuteScalarAsync<string?>("SELECT profile_json FROM datasets WHERE name = @Name AND version = @Version", new { dataset.Name, dataset.Version })
            ?? throw new DatasetException($"Dataset {dataset.Label} is no longer registered.");
        return JsonSerializer.Deserialize<CsvProfile>(json, Json)!;
    }

    /// <summary>Opens the stored bytes of a version.</summary>
    public async Task<Stream> OpenAsync(DatasetVersion dataset, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.OpenReadAsync(dataset.ObjectKey, cancellationToken);
        }
        catch (ObjectNotFoundException ex)
        {
            throw new DatasetException($"Dataset {dataset.Label} is registered but its file {dataset.Location} is missing from the store. Upload it again.", ex);
        }
    }

    /// <summary>
    /// Removes a dataset (every version, or one) from the registry, then its objects. The rows go
    /// first in one transaction, so nobody is handed a dataset whose file is already gone.
    /// Returns the removed versions (empty when there was nothing to remove).
    /// </summary>
    public async Task<IReadOnlyList<DatasetVersion>> DeleteAsync(string name, int? version = null, CancellationToken cancellationToken = default)
    {
        name = NormalizeName(name);
        List<DatasetVersion> removed;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            removed = (await connection.QueryAsync<DatasetRow>(SelectSql + " WHERE name = @name AND (@version IS NULL OR version = @version)", new { name, version }, tx))
                .Select(r => r.ToVersion()).ToList();
            await connection.ExecuteAsync("DELETE FROM datasets WHERE name = @name AND (@version IS NULL OR version = @version)", new { name, version }, tx);
            await tx.CommitAsync(cancellationToken);
        }
        foreach (var dataset in removed)
        {
            try
            {
                await store.DeleteAsync(dataset.ObjectKey, cancellationToken);
            }
            catch (ObjectStoreException ex)
            {
                // The registry no longer points at it; an orphan object is harmless and logged for clean-up.
                logger.LogWarning(ex, "Dataset {Dataset} was unregistered but its object {Key} could not be deleted", dataset.Label, dataset.ObjectKey);
            }
        }
        if (removed.Count > 0) logger.LogInformation("Deleted dataset {Dataset} ({Versions} version(s))", name, removed.Count);
        return removed;
    }

    /// <summary>The object store's URL for a key.</summary>
    public string LocationOf(string key) => store.Describe().TrimEnd('/') + "/" + key;

    private async Task<DatasetVersion?> FindByHashAsync(string name, string sha, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DatasetRow>(SelectSql + " WHERE name = @name AND sha256 = @sha", new { name, sha });
        return row?.ToVersion();
    }

    private async Task RemoveUnreferencedAsync(string key)
    {
        try
        {
            await using var connection = await database.OpenAsync();
            var references = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM datasets WHERE object_key = @key", new { key });
            if (references == 0) await store.DeleteAsync(key);
        }
        catch (Exception ex) when (ex is ObjectStoreException or SqliteException)
        {
            logger.LogWarning(ex, "Could not remove the unregistered object {Key}", key);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not remove the staging file {Path}", path);
        }
    }

    /// <summary>"1.2 MB".</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        < 1024L * 1024 * 1024 => $"{bytes / 1048576.0:0.#} MB",
        _ => $"{bytes / 1073741824.0:0.##} GB",
    };

    private static string Printable(string s) => new(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private const string SelectSql = "SELECT name, version, sha256, size_bytes AS SizeBytes, row_count AS RowCount, schema_json AS SchemaJson, delimiter, object_key AS ObjectKey, location, source_name AS SourceName, uploaded_by AS UploadedBy, uploaded_at AS UploadedAt FROM datasets";

    private sealed class DatasetRow
    {
        public string Name { get; set; } = "";
        public long Version { get; set; }
        public string Sha256 { get; set; } = "";
        public long SizeBytes { get; set; }
        public long RowCount { get; set; }
        public string SchemaJson { get; set; } = "[]";
        public string Delimiter { get; set; } = ",";
        public string ObjectKey { get; set; } = "";
        public string Location { get; set; } = "";
        public string? SourceName { get; set; }
        public string UploadedBy { get; set; } = "";
        public string UploadedAt { get; set; } = "";

        public DatasetVersion ToVersion() => new(
            Name, (int)Version, Sha256, SizeBytes, RowCount,
            JsonSerializer.Deserialize<List<DatasetColumn>>(SchemaJson, Json) ?? [],
            Delimiter.Length > 0 ? Delimiter[0] : ',', ObjectKey, Location, SourceName, UploadedBy,
            DateTimeOffset.Parse(UploadedAt, System.Globalization.CultureInfo.InvariantCulture));
    }
}
