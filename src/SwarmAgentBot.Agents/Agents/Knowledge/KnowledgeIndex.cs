using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>One passage found for a question.</summary>
/// <param name="Path">Document path relative to the indexed folder, with forward slashes.</param>
/// <param name="Title">Document title.</param>
/// <param name="Heading">Heading path of the passage ("Install › With Docker"); empty for the top of a document.</param>
/// <param name="Anchor">Fragment of the nearest heading, "" for the top of the document.</param>
/// <param name="Score">Ranking score (higher is better; comparable within one search only).</param>
/// <param name="Relevance">Share (0..1) of the question's key terms, weighted by rarity, that the passage contains.</param>
/// <param name="Snippet">The passage's best sentence(s), shortened.</param>
/// <param name="Text">The whole passage text.</param>
public sealed record KnowledgeHit(string Path, string Title, string Heading, string Anchor, double Score, double Relevance, string Snippet, string Text);

/// <summary>What one indexing run did.</summary>
public sealed record KnowledgeIndexReport(int Documents, int Added, int Updated, int Unchanged, int Removed, int Chunks, int Embedded, TimeSpan Elapsed, string? EmbeddingError = null)
{
    /// <summary>One line for logs and the CLI.</summary>
    public override string ToString() =>
        $"{Documents} documents ({Added} added, {Updated} updated, {Unchanged} unchanged, {Removed} removed), {Chunks} passages indexed in {Elapsed.TotalSeconds:0.00} s"
        + (Embedded > 0 ? $", {Embedded} passages embedded" : "") + (EmbeddingError is null ? "" : $"; embeddings failed: {EmbeddingError}");
}

/// <summary>
/// Ranking knobs. The defaults are what bench/rag was tuned with; the bench also runs other settings to compare.
/// </summary>
/// <param name="TitleWeight">bm25() weight of the document title column.</param>
/// <param name="HeadingWeight">bm25() weight of the heading path column.</param>
/// <param name="BodyWeight">bm25() weight of the passage text.</param>
/// <param name="ContextWeight">bm25() weight of the document's description and folder/file names.</param>
/// <param name="Candidates">Passages taken from FTS5 into the rerank.</param>
/// <param name="CoverageBoost">Rerank: weight of the share of question terms in the passage.</param>
/// <param name="TitleBoost">Rerank: weight of the share of question terms in the title and headings.</param>
/// <param name="DocumentBoost">Rerank: share of a document's next-best passages' scores (second, and half the third) added to its best (pages about the topic throughout win).</param>
/// <param name="Rerank">False: plain weighted bm25 order.</param>
public sealed record KnowledgeRanking(
    double TitleWeight = 2,
    double HeadingWeight = 4,
    double BodyWeight = 1,
    double ContextWeight = 3,
    int Candidates = 100,
    double CoverageBoost = 0.2,
    double TitleBoost = 0.3,
    double DocumentBoost = 0.4,
    bool Rerank = true);

/// <summary>
/// The knowledge index: passages of a Markdown folder in SQLite FTS5 (porter stemming, BM25 with
/// column weights favouring titles and headings), a rerank by how much of the question each passage
/// covers, and optional dense vectors fused by reciprocal rank. It lives in its own SQLite file
/// because it is derived data: it can be deleted and rebuilt at any time, and its bulk writes never
/// hold the write lock of the metadata database (audit log, approvals).
/// </summary>
public sealed class KnowledgeIndex : IDisposable
{
    /// <summary>Reciprocal rank fusion constant (Cormack et al.).</summary>
    public const int RrfK = 60;

    private const int SchemaVersion = 2;
    private static readonly string[] Extensions = [".md", ".mdx", ".markdown"];

    private readonly string _connectionString;
    private readonly EmbeddingClient? _embeddings;
    private readonly ILogger _logger;
    private readonly MarkdownChunker _chunker = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;
    private volatile VectorSet? _vectors;
    private long _chunkCount = -1;

    /// <summary>Opens (or creates on first use) the index in <paramref name="databasePath"/>.</summary>
    public KnowledgeIndex(string databasePath, EmbeddingClient? embeddings = null, ILogger? logger = null, KnowledgeRanking? ranking = null)
    {
        DatabasePath = System.IO.Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _embeddings = embeddings;
        _logger = logger ?? NullLogger.Instance;
        Ranking = ranking ?? new KnowledgeRanking();
    }

    /// <summary>The index file.</summary>
    public string DatabasePath { get; }

    /// <summary>Ranking settings in use.</summary>
    public KnowledgeRanking Ranking { get; }

    /// <summary>
    /// Brings the index in line with <paramref name="folder"/>: new and changed files (by SHA-256 of
    /// their bytes) are chunked and indexed, unchanged ones are skipped, files no longer there are
    /// removed. With embeddings on, passages without a vector (or from another model) are embedded.
    /// </summary>
    public async Task<KnowledgeIndexReport> IndexFolderAsync(string folder, CancellationToken cancellationToken = default)
    {
        var root = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"The knowledge folder {root} does not exist.");
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var clock = Stopwatch.StartNew();
            await EnsureSchemaAsync(cancellationToken);
            var files = ListFiles(root);
            await using var connection = await OpenAsync(cancellationToken);
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

            // Another folder, or chunks cut by older code: start over rather than mix.
            var meta = (await connection.QueryAsync<(string Key, string Value)>("SELECT key, value FROM meta", transaction: tx)).ToDictionary(r => r.Key, r => r.Value);
            var version = MarkdownChunker.Version.ToString(CultureInfo.InvariantCulture);
            if (meta.GetValueOrDefault("root") != root || meta.GetValueOrDefault("chunker") != version)
            {
                await connection.ExecuteAsync("DELETE FROM chunks_fts; DELETE FROM chunks; DELETE FROM documents;", transaction: tx);
                await connection.ExecuteAsync("INSERT OR REPLACE INTO meta (key, value) VALUES ('root', @root), ('chunker', @version)", new { root, version }, tx);
            }

            var existing = (await connection.QueryAsync<(long Id, string Path, string Hash)>("SELECT id, path, content_hash FROM documents", transaction: tx))
                .ToDictionary(r => r.Path, r => (r.Id, r.Hash), StringComparer.Ordinal);
            int added = 0, updated = 0, unchanged = 0, removed = 0, chunkCount = 0;
            var writer = new ChunkWriter(connection, tx, new StemCache());

            foreach (var (relative, full) in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                byte[] bytes;
                try { bytes = await File.ReadAllBytesAsync(full, cancellationToken); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _logger.LogWarning("Skipped knowledge file {Path}: {Reason}", relative, ex.Message);
                    if (existing.Remove(relative, out _)) unchanged++; // keep what was indexed before
                    continue;
                }
                var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                if (existing.Remove(relative, out var old))
                {
                    if (old.Hash == hash) { unchanged++; continue; }
                    await DeleteDocumentAsync(connection, tx, old.Id);
                    updated++;
                }
                else added++;
                ChunkedDocument doc;
                try { doc = _chunker.Chunk(System.Text.Encoding.UTF8.GetString(bytes), relative); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One odd file must not stop the rest; it is retried when it changes.
                    _logger.LogWarning(ex, "Could not read {Path} as Markdown; indexed without passages", relative);
                    doc = new ChunkedDocument(System.IO.Path.GetFileNameWithoutExtension(relative), null, []);
                }
                chunkCount += writer.Write(relative, hash, doc);
            }
            foreach (var (_, gone) in existing)
            {
                await DeleteDocumentAsync(connection, tx, gone.Id);
                removed++;
            }
            await tx.CommitAsync(cancellationToken);
            Invalidate();

            var (embedded, embeddingError) = await EmbedMissingAsync(connection, cancellationToken);
            var report = new KnowledgeIndexReport(files.Count, added, updated, unchanged, removed, chunkCount, embedded, clock.Elapsed, embeddingError);
            _logger.LogInformation("Knowledge index {Database} updated from {Folder}: {Report}", DatabasePath, root, report.ToString());
            return report;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Finds the passages that best answer <paramref name="question"/>, at most one per document,
    /// best first. Any text is accepted: empty or punctuation-only questions find nothing, FTS5 syntax
    /// in the question is searched as plain words, and very long questions are cut to their first terms.
    /// </summary>
    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string? question, int topK = 5, CancellationToken cancellationToken = default)
    {
        var query = KnowledgeQuery.Parse(question);
        if (query.IsEmpty || topK < 1) return [];
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var r = Ranking;
        var sql = string.Create(CultureInfo.InvariantCulture,
            $"""
            SELECT c.id AS Id, d.path AS Path, d.title AS Title, c.heading_path AS Heading, c.anchor AS Anchor,
                   c.title_terms AS TitleTerms, c.terms AS Terms, top.Lexical AS Lexical
            FROM (SELECT rowid AS id, -bm25(chunks_fts, {r.TitleWeight}, {r.HeadingWeight}, {r.BodyWeight}, {r.ContextWeight}) AS Lexical
                  FROM chunks_fts WHERE chunks_fts MATCH @match ORDER BY Lexical DESC LIMIT @limit) AS top
            JOIN chunks c ON c.id = top.id JOIN documents d ON d.id = c.document_id
            ORDER BY top.Lexical DESC
            """);
        var candidates = (await connection.QueryAsync<Candidate>(new CommandDefinition(sql, new { match = query.MatchExpression, limit = r.Candidates }, cancellationToken: cancellationToken))).ToList();
        var idf = await IdfAsync(connection, query, cancellationToken);

        foreach (var c in candidates) Score(c, query, idf);
        Rerank(candidates);
        var lexicalOrder = r.Rerank ? candidates.OrderByDescending(c => c.Reranked).ToList() : candidates;

        var dense = await DenseRankingAsync(connection, question!, cancellationToken);
        List<Candidate> ranked;
        if (dense is null)
        {
            ranked = lexicalOrder;
            foreach (var c in ranked) c.Final = r.Rerank ? c.Reranked : c.Lexical;
        }
        else
        {
            ranked = await FuseAsync(connection, lexicalOrder, dense, query, idf, cancellationToken);
        }

        var top = ranked.GroupBy(c => c.Path, StringComparer.Ordinal).Select(g => g.First()).Take(topK).ToList();
        // Passage texts only for what is returned: most candidates are ranked on their term lists alone.
        var ids = top.Select(c => c.Id).ToList();
        var bodies = (await connection.QueryAsync<(long Id, string Body)>(new CommandDefinition("SELECT id, body FROM chunks WHERE id IN @ids", new { ids }, cancellationToken: cancellationToken)))
            .ToDictionary(b => b.Id, b => b.Body);
        return top.Select(c =>
        {
            var body = bodies.GetValueOrDefault(c.Id, "");
            return new KnowledgeHit(c.Path, c.Title, c.Heading, c.Anchor, Math.Round(c.Final, 4), Math.Round(c.Relevance, 3), KnowledgeSnippets.Best(body, query, 240), body);
        }).ToList();
    }

    /// <summary>Titles of indexed documents (by path), to suggest topics when nothing matches.</summary>
    public async Task<IReadOnlyList<(string Path, string Title)>> TopicsAsync(int limit = 10, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Path, string Title)>(
            "SELECT d.path, d.title FROM documents d WHERE EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id) ORDER BY d.path LIMIT @limit", new { limit });
        return rows.ToList();
    }

    /// <summary>Number of indexed documents that have at least one passage.</summary>
    public async Task<int> DocumentCountAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken);
        await using var connection = await OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(DISTINCT document_id) FROM chunks");
    }

    /// <summary>Releases pooled connections so the file can be deleted.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private static List<(string Relative, string Full)> ListFiles(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        return Directory.EnumerateFiles(root, "*", options)
            .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(f => (System.IO.Path.GetRelativePath(root, f).Replace('\\', '/'), f))
            .Where(f => !f.Item1.Split('/').Any(part => part.StartsWith('.') || part == "node_modules"))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)
            .ToList();
    }

    private static async Task DeleteDocumentAsync(SqliteConnection connection, SqliteTransaction tx, long documentId)
    {
        await connection.ExecuteAsync("DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE document_id = @documentId)", new { documentId }, tx);
        await connection.ExecuteAsync("DELETE FROM chunks WHERE document_id = @documentId", new { documentId }, tx);
        await connection.ExecuteAsync("DELETE FROM documents WHERE id = @documentId", new { documentId }, tx);
    }

    private void Score(Candidate c, KnowledgeQuery query, IReadOnlyDictionary<string, double> idf)
    {
        double total = 0, inPassage = 0, inTitle = 0;
        foreach (var stem in query.Stems.Distinct(StringComparer.Ordinal))
        {
            var w = idf[stem];
            total += w;
            // Term lists are " stem stem … " strings written at index time: a containment test, no stemming per query.
            var needle = " " + stem + " ";
            if (c.TitleTerms.Contains(needle, StringComparison.Ordinal)) { inTitle += w; inPassage += w; }
            else if (c.Terms.Contains(needle, StringComparison.Ordinal)) inPassage += w;
        }
        c.Relevance = total > 0 ? inPassage / total : 0;
        c.TitleShare = total > 0 ? inTitle / total : 0;
    }

    private void Rerank(List<Candidate> candidates)
    {
        var best = candidates.Count == 0 ? 1 : Math.Max(candidates.Max(c => c.Lexical), 1e-9);
        foreach (var c in candidates)
            c.Reranked = c.Lexical / best + Ranking.CoverageBoost * c.Relevance + Ranking.TitleBoost * c.TitleShare;
        if (Ranking.DocumentBoost == 0) return;
        foreach (var page in candidates.GroupBy(c => c.Path, StringComparer.Ordinal))
        {
            var top = page.OrderByDescending(c => c.Reranked).Take(3).ToList();
            if (top.Count >= 2) top[0].Reranked += Ranking.DocumentBoost * (top[1].Reranked + (top.Count == 3 ? 0.5 * top[2].Reranked : 0));
        }
    }

    private async Task<IReadOnlyDictionary<string, double>> IdfAsync(SqliteConnection connection, KnowledgeQuery query, CancellationToken cancellationToken)
    {
        var n = Interlocked.Read(ref _chunkCount);
        if (n < 0) Interlocked.Exchange(ref _chunkCount, n = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM chunks"));
        var stems = query.Stems.Distinct(StringComparer.Ordinal).ToList();
        var df = (await connection.QueryAsync<(string Term, long Doc)>(new CommandDefinition("SELECT term, doc FROM chunks_vocab WHERE term IN @stems", new { stems }, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.Term, r => r.Doc, StringComparer.Ordinal);
        var idf = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in stems)
            if (df.TryGetValue(s, out var d)) idf[s] = Math.Log(1 + (n - d + 0.5) / (d + 0.5));
        // A word the index has never seen counts as much as the rarest known word of the question:
        // a typo does not sink an answer, but a question mostly about unknown things finds nothing.
        var unknownWeight = idf.Count > 0 ? idf.Values.Max() : 1;
        foreach (var s in stems) idf.TryAdd(s, unknownWeight);
        return idf;
    }

    private async Task<List<(long Id, float Similarity)>?> DenseRankingAsync(SqliteConnection connection, string question, CancellationToken cancellationToken)
    {
        if (_embeddings is null) return null;
        var vectors = _vectors ??= await LoadVectorsAsync(connection, cancellationToken);
        if (vectors.Ids.Length == 0) return null;
        float[] q;
        try
        {
            q = (await _embeddings.EmbedAsync([question.Length > 8000 ? question[..8000] : question], cancellationToken))[0];
        }
        catch (EmbeddingException ex)
        {
            _logger.LogWarning("Question embedding failed, answering from keywords only: {Reason}", ex.Message);
            return null;
        }
        if (q.Length != vectors.Dimensions)
        {
            _logger.LogWarning("Question vector has {Actual} dimensions, the index {Expected}; answering from keywords only", q.Length, vectors.Dimensions);
            return null;
        }
        var scores = new (long Id, float Similarity)[vectors.Ids.Length];
        for (var i = 0; i < vectors.Ids.Length; i++)
        {
            var span = vectors.Data.AsSpan(i * vectors.Dimensions, vectors.Dimensions);
            scores[i] = (vectors.Ids[i], Dot(span, q));
        }
        return scores.OrderByDescending(s => s.Similarity).Take(Ranking.Candidates).ToList();
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private async Task<List<Candidate>> FuseAsync(SqliteConnection connection, List<Candidate> lexical, List<(long Id, float Similarity)> dense, KnowledgeQuery query, IReadOnlyDictionary<string, double> idf, CancellationToken cancellationToken)
    {
        var byId = lexical.ToDictionary(c => c.Id);
        var missing = dense.Select(d => d.Id).Where(id => !byId.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            var rows = await connection.QueryAsync<Candidate>(new CommandDefinition(
                """
                SELECT c.id AS Id, d.path AS Path, d.title AS Title, c.heading_path AS Heading, c.anchor AS Anchor, c.title_terms AS TitleTerms, c.terms AS Terms, 0.0 AS Lexical
                FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN @missing
                """, new { missing }, cancellationToken: cancellationToken));
            foreach (var row in rows)
            {
                Score(row, query, idf);
                byId[row.Id] = row;
            }
        }
        foreach (var c in byId.Values) c.Final = 0;
        for (var i = 0; i < lexical.Count; i++) lexical[i].Final += 1.0 / (RrfK + i + 1);
        for (var i = 0; i < dense.Count; i++)
            if (byId.TryGetValue(dense[i].Id, out var c)) c.Final += 1.0 / (RrfK + i + 1);
        return byId.Values.OrderByDescending(c => c.Final).ToList();
    }

    private async Task<(int Embedded, string? Error)> EmbedMissingAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        if (_embeddings is null) return (0, null);
        var model = _embeddings.Model;
        var current = await connection.ExecuteScalarAsync<string?>("SELECT value FROM meta WHERE key = 'embedding_model'");
        if (current != model)
        {
            await connection.ExecuteAsync("UPDATE chunks SET embedding = NULL; INSERT OR REPLACE INTO meta (key, value) VALUES ('embedding_model', @model)", new { model });
        }
        var todo = (await connection.QueryAsync<(long Id, string Title, string Heading, string Body)>(
            "SELECT c.id, d.title, c.heading_path, c.body FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.embedding IS NULL ORDER BY c.id")).ToList();
        var embedded = 0;
        try
        {
            foreach (var batch in todo.Chunk(_embeddings.BatchSize))
            {
                var vectors = await _embeddings.EmbedAsync(batch.Select(b => $"{b.Title}\n{b.Heading}\n{b.Body}").ToList(), cancellationToken);
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
                for (var i = 0; i < batch.Length; i++)
                {
                    var blob = new byte[vectors[i].Length * sizeof(float)];
                    Buffer.BlockCopy(vectors[i], 0, blob, 0, blob.Length);
                    await connection.ExecuteAsync("UPDATE chunks SET embedding = @blob WHERE id = @id", new { blob, id = batch[i].Id }, tx);
                }
                await tx.CommitAsync(cancellationToken);
                embedded += batch.Length;
            }
            return (embedded, null);
        }
        catch (EmbeddingException ex)
        {
            _logger.LogWarning("Embedding passages failed after {Embedded} of {Total}; search uses keywords only for the rest: {Reason}", embedded, todo.Count, ex.Message);
            return (embedded, ex.Message);
        }
        finally
        {
            _vectors = null;
        }
    }

    private static async Task<VectorSet> LoadVectorsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long Id, byte[] Blob)>(new CommandDefinition("SELECT id, embedding FROM chunks WHERE embedding IS NOT NULL ORDER BY id", cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0) return new VectorSet([], [], 0);
        var dims = rows[0].Blob.Length / sizeof(float);
        rows = rows.Where(r => r.Blob.Length == dims * sizeof(float)).ToList();
        var data = new float[rows.Count * dims];
        for (var i = 0; i < rows.Count; i++) Buffer.BlockCopy(rows[i].Blob, 0, data, i * dims * sizeof(float), dims * sizeof(float));
        return new VectorSet(rows.Select(r => r.Id).ToArray(), data, dims);
    }

    private void Invalidate()
    {
        _vectors = null;
        Interlocked.Exchange(ref _chunkCount, -1);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady) return;
        await _schemaLock.WaitAsync(cancellationToken);
        try
        {
            if (_schemaReady) return;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(DatabasePath)!);
            await using var connection = await OpenAsync(cancellationToken);
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            var version = await connection.ExecuteScalarAsync<long>("PRAGMA user_version");
            if (version != SchemaVersion)
            {
                // Derived data: an index of another layout is dropped and rebuilt from the folder.
                await connection.ExecuteAsync("""
                    DROP TABLE IF EXISTS chunks_vocab; DROP TABLE IF EXISTS chunks_fts; DROP TABLE IF EXISTS chunks;
                    DROP TABLE IF EXISTS documents; DROP TABLE IF EXISTS meta;
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, title TEXT NOT NULL, description TEXT,
                                            content_hash TEXT NOT NULL, indexed_at TEXT NOT NULL);
                    CREATE TABLE chunks (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id), ordinal INTEGER NOT NULL,
                                         heading_path TEXT NOT NULL, anchor TEXT NOT NULL, body TEXT NOT NULL,
                                         title_terms TEXT NOT NULL, terms TEXT NOT NULL, embedding BLOB);
                    CREATE INDEX ix_chunks_document ON chunks(document_id);
                    CREATE VIRTUAL TABLE chunks_fts USING fts5(title, headings, body, context, tokenize = 'porter unicode61');
                    CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, 'row');
                    """);
                await connection.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion}"));
            }
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    /// <summary>Inserts documents and their passages with prepared statements (the whole folder is one transaction).</summary>
    private sealed class ChunkWriter
    {
        private readonly SqliteCommand _document;
        private readonly SqliteCommand _chunk;
        private readonly SqliteCommand _fts;

        private readonly StemCache _stems;

        public ChunkWriter(SqliteConnection connection, SqliteTransaction tx, StemCache stems)
        {
            _stems = stems;
            _document = Command(connection, tx, "INSERT INTO documents (path, title, description, content_hash, indexed_at) VALUES ($path, $title, $description, $hash, $at) RETURNING id",
                "$path", "$title", "$description", "$hash", "$at");
            _chunk = Command(connection, tx, "INSERT INTO chunks (document_id, ordinal, heading_path, anchor, body, title_terms, terms) VALUES ($doc, $ordinal, $heading, $anchor, $body, $titleTerms, $terms) RETURNING id",
                "$doc", "$ordinal", "$heading", "$anchor", "$body", "$titleTerms", "$terms");
            _fts = Command(connection, tx, "INSERT INTO chunks_fts (rowid, title, headings, body, context) VALUES ($id, $title, $headings, $body, $context)",
                "$id", "$title", "$headings", "$body", "$context");
        }

        private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction tx, string sql, params string[] names)
        {
            var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            foreach (var name in names) command.Parameters.Add(new SqliteParameter(name, null));
            return command;
        }

        public int Write(string path, string hash, ChunkedDocument doc)
        {
            Set(_document, path, doc.Title, (object?)doc.Description ?? DBNull.Value, hash, DateTimeOffset.UtcNow.ToString("O"));
            var documentId = (long)_document.ExecuteScalar()!;
            // Folder and file names say what a page is about ("katib", "early-stopping") when its title does not.
            var context = string.Join(" ", new[] { doc.Description ?? "" }.Concat(path.Split('/').Select(p => System.IO.Path.GetFileNameWithoutExtension(p).Replace('_', ' ').Replace('-', ' '))));
            var ordinal = 0;
            foreach (var chunk in doc.Chunks)
            {
                var titleTerms = _stems.Of(doc.Title + " " + chunk.HeadingPath);
                var terms = new HashSet<string>(titleTerms, StringComparer.Ordinal);
                terms.UnionWith(_stems.Of(chunk.Text + " " + context));
                Set(_chunk, documentId, ordinal++, chunk.HeadingPath, chunk.Anchor, chunk.Text, TermList(titleTerms), TermList(terms));
                var chunkId = (long)_chunk.ExecuteScalar()!;
                Set(_fts, chunkId, doc.Title, string.Join(" ", chunk.Headings), chunk.Text, context);
                _fts.ExecuteNonQuery();
            }
            return doc.Chunks.Count;
        }

        private static string TermList(IEnumerable<string> stems) => " " + string.Join(' ', stems) + " ";

        private static void Set(SqliteCommand command, params object?[] values)
        {
            for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private sealed class Candidate
    {
        public long Id { get; set; }
        public string Path { get; set; } = "";
        public string Title { get; set; } = "";
        public string Heading { get; set; } = "";
        public string Anchor { get; set; } = "";
        public string TitleTerms { get; set; } = "";
        public string Terms { get; set; } = "";
        public double Lexical { get; set; }
        public double Relevance { get; set; }
        public double TitleShare { get; set; }
        public double Reranked { get; set; }
        public double Final { get; set; }
    }

    /// <summary>Porter stems of words already seen (a corpus repeats the same few thousand words).</summary>
    private sealed class StemCache
    {
        private readonly Dictionary<string, string> _stems = new(StringComparer.Ordinal);

        /// <summary>Distinct stems of a text's words. One cache per indexing run.</summary>
        public HashSet<string> Of(string text)
        {
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var word in KnowledgeQuery.Tokenize(text))
            {
                if (!_stems.TryGetValue(word, out var stem)) _stems[word] = stem = PorterStemmer.Stem(word);
                set.Add(stem);
            }
            return set;
        }
    }

    private sealed record VectorSet(long[] Ids, float[] Data, int Dimensions);
}
