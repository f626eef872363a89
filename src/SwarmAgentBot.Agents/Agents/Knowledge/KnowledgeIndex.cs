using System.Collections.Concurrent;
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
/// Ranking settings: few, and each with a reason, because settings tuned hard on one question set
/// ranked worse on questions written by someone who never saw the retriever. The defaults were
/// chosen on three question sets together (bench/rag: tuning, holdout, blind-dev) and checked by
/// leaving each set out in turn (<c>./build.sh bench rag --sweep</c>).
/// </summary>
/// <param name="TitleWeight">bm25() weight of the document title column.</param>
/// <param name="HeadingWeight">bm25() weight of the heading path column.</param>
/// <param name="BodyWeight">bm25() weight of the passage (or document) text.</param>
/// <param name="ContextWeight">bm25() weight of the document's description and folder/file names.</param>
/// <param name="Candidates">Passages (and documents) taken from FTS5 into the document ranking: bounds the work per question.</param>
/// <param name="PassageShare">Share of a document's second-best passage score (and half of it for the third) added to its best: a page about the topic throughout beats one stray paragraph.</param>
/// <param name="DocumentWeight">Share (0..1) of the whole-document bm25 in a document's score; the rest is its passages' score. Each part is divided by its best in the question first.</param>
public sealed record KnowledgeRanking(
    double TitleWeight = 4,
    double HeadingWeight = 4,
    double BodyWeight = 1,
    double ContextWeight = 4,
    int Candidates = 40,
    double PassageShare = 0.3,
    double DocumentWeight = 0.25);

/// <summary>
/// The knowledge index: passages of a Markdown folder in SQLite FTS5 (porter stemming, BM25 with
/// column weights favouring titles and headings), and each whole document in a second FTS5 table.
/// A document's score blends its best passages' bm25 with its own bm25; its best passage is what is
/// cited. Optional dense vectors are fused by reciprocal rank. It lives in its own SQLite file
/// because it is derived data: it can be deleted and rebuilt at any time, and its bulk writes never
/// hold the write lock of the metadata database (audit log, approvals).
/// </summary>
public sealed class KnowledgeIndex : IDisposable
{
    /// <summary>Reciprocal rank fusion constant (Cormack et al.).</summary>
    public const int RrfK = 60;

    private const int SchemaVersion = 3;
    private static readonly string[] Extensions = [".md", ".mdx", ".markdown"];

    private readonly string _connectionString;
    private readonly EmbeddingClient? _embeddings;
    private readonly ILogger _logger;
    private readonly MarkdownChunker _chunker = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private readonly ConcurrentBag<Searcher> _searchers = [];
    private readonly string _candidateSql;
    private volatile bool _schemaReady;
    private volatile VectorSet? _vectors;
    private volatile TermStatistics? _termStatistics;

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
        var r = Ranking;
        var weights = string.Create(CultureInfo.InvariantCulture, $"{r.TitleWeight}, {r.HeadingWeight}, {r.BodyWeight}, {r.ContextWeight}");
        // One round trip: the best passages and the best documents, each bounded by $limit. kind 0 = passage, 1 = document.
        _candidateSql = $"""
            SELECT 0, c.document_id, p.id, p.score FROM
              (SELECT rowid AS id, -bm25(chunks_fts, {weights}) AS score FROM chunks_fts WHERE chunks_fts MATCH $match ORDER BY score DESC LIMIT $limit) AS p
              JOIN chunks c ON c.id = p.id
            UNION ALL
            SELECT 1, d.id, 0, d.score FROM
              (SELECT rowid AS id, -bm25(documents_fts, {weights}) AS score FROM documents_fts WHERE documents_fts MATCH $match ORDER BY score DESC LIMIT $limit) AS d
            """;
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
                await connection.ExecuteAsync("DELETE FROM chunks_fts; DELETE FROM documents_fts; DELETE FROM chunks; DELETE FROM documents;", transaction: tx);
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
        var dense = await DenseRankingAsync(question!, cancellationToken);
        var searcher = Rent();
        try
        {
            var documents = RankDocuments(searcher.Candidates(query.MatchExpression, Ranking.Candidates));
            if (dense is not null) documents = Fuse(documents, dense, searcher);
            var top = documents.Count > topK ? documents[..topK] : documents;
            if (top.Count == 0) { Return(searcher); return []; }

            var details = searcher.Details(top);
            var statistics = _termStatistics ??= searcher.TermStatistics();
            var weights = statistics.Weights(query);
            var hits = new List<KnowledgeHit>(top.Count);
            foreach (var d in top)
            {
                if (!details.TryGetValue(d.DocumentId, out var p)) continue; // removed by a concurrent reindex
                hits.Add(new KnowledgeHit(p.Path, p.Title, p.Heading, p.Anchor, Math.Round(d.Score, 4), Math.Round(Relevance(p.Terms, weights), 3),
                    KnowledgeSnippets.Best(p.Body, query, 240), p.Body));
            }
            Return(searcher);
            return hits;
        }
        catch
        {
            searcher.Dispose();
            throw;
        }
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
        while (_searchers.TryTake(out var searcher)) searcher.Dispose();
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
        await connection.ExecuteAsync(
            """
            DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE document_id = @documentId);
            DELETE FROM documents_fts WHERE rowid = @documentId;
            DELETE FROM chunks WHERE document_id = @documentId;
            DELETE FROM documents WHERE id = @documentId;
            """, new { documentId }, tx);
    }

    /// <summary>
    /// Documents by score: the best passage's bm25, plus <see cref="KnowledgeRanking.PassageShare"/> of the
    /// next two (the third at half), blended with the whole document's bm25. Each part is divided by its
    /// best in this question, so the blend does not depend on how long the question or the documents are.
    /// </summary>
    private List<RankedDocument> RankDocuments(List<(int Kind, long DocumentId, long ChunkId, double Score)> rows)
    {
        var byDocument = new Dictionary<long, RankedDocument>();
        foreach (var (kind, documentId, chunkId, score) in rows)
        {
            if (!byDocument.TryGetValue(documentId, out var d)) byDocument[documentId] = d = new RankedDocument(documentId);
            if (kind == 1) { d.Whole = score; continue; }
            // Rows come best first within each kind, so the first passage seen is the document's best.
            if (d.PassageCount == 0) d.BestChunkId = chunkId;
            d.Passages += d.PassageCount switch { 0 => score, 1 => Ranking.PassageShare * score, 2 => 0.5 * Ranking.PassageShare * score, _ => 0 };
            d.PassageCount++;
        }
        double bestPassages = 0, bestWhole = 0;
        foreach (var d in byDocument.Values)
        {
            bestPassages = Math.Max(bestPassages, d.Passages);
            bestWhole = Math.Max(bestWhole, d.Whole);
        }
        var w = Ranking.DocumentWeight;
        var ranked = new List<RankedDocument>(byDocument.Count);
        foreach (var d in byDocument.Values)
        {
            d.Score = (1 - w) * (bestPassages > 0 ? d.Passages / bestPassages : 0) + w * (bestWhole > 0 ? d.Whole / bestWhole : 0);
            ranked.Add(d);
        }
        ranked.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.DocumentId.CompareTo(b.DocumentId));
        return ranked;
    }

    /// <summary>Reciprocal rank fusion of the keyword document ranking with documents in order of their best passage's vector similarity.</summary>
    private static List<RankedDocument> Fuse(List<RankedDocument> lexical, List<(long Id, float Similarity)> dense, Searcher searcher)
    {
        var byDocument = lexical.ToDictionary(d => d.DocumentId);
        foreach (var d in lexical) d.Score = 0;
        for (var i = 0; i < lexical.Count; i++) lexical[i].Score += 1.0 / (RrfK + i + 1);
        var documentOf = searcher.DocumentsOf(dense.Select(x => x.Id).ToList());
        var rank = 0;
        var seen = new HashSet<long>();
        foreach (var (chunkId, _) in dense)
        {
            if (!documentOf.TryGetValue(chunkId, out var documentId) || !seen.Add(documentId)) continue;
            if (!byDocument.TryGetValue(documentId, out var d)) byDocument[documentId] = d = new RankedDocument(documentId) { BestChunkId = chunkId };
            else if (d.BestChunkId == 0) d.BestChunkId = chunkId;
            d.Score += 1.0 / (RrfK + ++rank);
        }
        var fused = byDocument.Values.ToList();
        fused.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.DocumentId.CompareTo(b.DocumentId));
        return fused;
    }

    /// <summary>Share of the question's stems, weighted by rarity, found in a passage's term list (" stem stem … ", written at index time).</summary>
    private static double Relevance(string terms, IReadOnlyList<(string Stem, double Weight)> weights)
    {
        double total = 0, found = 0;
        foreach (var (stem, weight) in weights)
        {
            total += weight;
            if (ContainsTerm(terms, stem)) found += weight;
        }
        return total > 0 ? found / total : 0;
    }

    private static bool ContainsTerm(string terms, string stem)
    {
        var span = terms.AsSpan();
        for (var at = span.IndexOf(stem, StringComparison.Ordinal); at >= 0;)
        {
            var end = at + stem.Length;
            if (at > 0 && span[at - 1] == ' ' && end < span.Length && span[end] == ' ') return true;
            var next = span[(at + 1)..].IndexOf(stem, StringComparison.Ordinal);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return false;
    }

    private async Task<List<(long Id, float Similarity)>?> DenseRankingAsync(string question, CancellationToken cancellationToken)
    {
        if (_embeddings is null) return null;
        var vectors = _vectors ??= await LoadVectorsAsync(cancellationToken);
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

    private async Task<VectorSet> LoadVectorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
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
        _termStatistics = null;
    }

    private Searcher Rent() => _searchers.TryTake(out var searcher) ? searcher : new Searcher(_connectionString, _candidateSql);

    private void Return(Searcher searcher) => _searchers.Add(searcher);

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
                    DROP TABLE IF EXISTS chunks_vocab; DROP TABLE IF EXISTS chunks_fts; DROP TABLE IF EXISTS documents_fts;
                    DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS documents; DROP TABLE IF EXISTS meta;
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, title TEXT NOT NULL, description TEXT,
                                            content_hash TEXT NOT NULL, indexed_at TEXT NOT NULL);
                    CREATE TABLE chunks (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id), ordinal INTEGER NOT NULL,
                                         heading_path TEXT NOT NULL, anchor TEXT NOT NULL, body TEXT NOT NULL, terms TEXT NOT NULL, embedding BLOB);
                    CREATE INDEX ix_chunks_document ON chunks(document_id, ordinal);
                    CREATE VIRTUAL TABLE chunks_fts USING fts5(title, headings, body, context, tokenize = 'porter unicode61');
                    CREATE VIRTUAL TABLE documents_fts USING fts5(title, headings, body, context, tokenize = 'porter unicode61');
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

    /// <summary>
    /// One open connection with its statements prepared once: a question costs two statement runs
    /// (candidates, then the cited passages) and no SQL parsing. Searchers are pooled per index.
    /// </summary>
    private sealed class Searcher : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _candidates;
        private readonly SqliteCommand _details;

        public Searcher(string connectionString, string candidateSql)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            _candidates = Prepare(candidateSql, "$match", "$limit");
            // The cited passage of each document: its best keyword passage when it has one, else its first.
            _details = Prepare(
                """
                SELECT c.document_id, d.path, d.title, c.heading_path, c.anchor, c.body, c.terms
                FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (SELECT value FROM json_each($chunks))
                UNION ALL
                SELECT c.document_id, d.path, d.title, c.heading_path, c.anchor, c.body, c.terms
                FROM chunks c JOIN documents d ON d.id = c.document_id
                WHERE c.document_id IN (SELECT value FROM json_each($documents)) AND c.ordinal = 0
                """, "$chunks", "$documents");
        }

        private SqliteCommand Prepare(string sql, params string[] names)
        {
            var command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in names) command.Parameters.Add(new SqliteParameter(name, null));
            command.Prepare();
            return command;
        }

        public List<(int Kind, long DocumentId, long ChunkId, double Score)> Candidates(string match, int limit)
        {
            _candidates.Parameters[0].Value = match;
            _candidates.Parameters[1].Value = limit;
            var rows = new List<(int, long, long, double)>(2 * limit);
            using var reader = _candidates.ExecuteReader();
            while (reader.Read()) rows.Add((reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3)));
            return rows;
        }

        public Dictionary<long, Passage> Details(List<RankedDocument> documents)
        {
            _details.Parameters[0].Value = "[" + string.Join(',', documents.Where(d => d.BestChunkId != 0).Select(d => d.BestChunkId.ToString(CultureInfo.InvariantCulture))) + "]";
            _details.Parameters[1].Value = "[" + string.Join(',', documents.Where(d => d.BestChunkId == 0).Select(d => d.DocumentId.ToString(CultureInfo.InvariantCulture))) + "]";
            var passages = new Dictionary<long, Passage>(documents.Count);
            using var reader = _details.ExecuteReader();
            while (reader.Read())
                passages.TryAdd(reader.GetInt64(0), new Passage(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
            return passages;
        }

        public Dictionary<long, long> DocumentsOf(List<long> chunkIds)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, document_id FROM chunks WHERE id IN (SELECT value FROM json_each($ids))";
            command.Parameters.AddWithValue("$ids", "[" + string.Join(',', chunkIds.Select(id => id.ToString(CultureInfo.InvariantCulture))) + "]");
            var map = new Dictionary<long, long>(chunkIds.Count);
            using var reader = command.ExecuteReader();
            while (reader.Read()) map[reader.GetInt64(0)] = reader.GetInt64(1);
            return map;
        }

        /// <summary>How many passages hold each stem (read once per index version; a few ms for a corpus of thousands of pages).</summary>
        public TermStatistics TermStatistics()
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT (SELECT COUNT(*) FROM chunks), term, doc FROM chunks_vocab";
            var df = new Dictionary<string, long>(StringComparer.Ordinal);
            long count = 0;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                count = reader.GetInt64(0);
                df[reader.GetString(1)] = reader.GetInt64(2);
            }
            return new TermStatistics(count, df);
        }

        public void Dispose()
        {
            _candidates.Dispose();
            _details.Dispose();
            _connection.Dispose();
        }
    }

    /// <summary>Passage counts per stem, for the relevance share (how rare each of the question's words is).</summary>
    private sealed class TermStatistics(long passages, Dictionary<string, long> documentFrequency)
    {
        public IReadOnlyList<(string Stem, double Weight)> Weights(KnowledgeQuery query)
        {
            var weights = new List<(string Stem, double Weight)>(query.Stems.Count);
            double rarest = 0;
            foreach (var stem in query.Stems)
            {
                if (weights.Exists(w => w.Stem == stem)) continue;
                var weight = documentFrequency.TryGetValue(stem, out var d) ? Math.Log(1 + (passages - d + 0.5) / (d + 0.5)) : double.NaN;
                weights.Add((stem, weight));
                if (!double.IsNaN(weight)) rarest = Math.Max(rarest, weight);
            }
            // A word the index has never seen counts as much as the rarest known word of the question:
            // a typo does not sink an answer, but a question mostly about unknown things finds nothing.
            if (rarest == 0) rarest = 1;
            for (var i = 0; i < weights.Count; i++)
                if (double.IsNaN(weights[i].Weight)) weights[i] = (weights[i].Stem, rarest);
            return weights;
        }
    }

    /// <summary>Inserts documents and their passages with prepared statements (the whole folder is one transaction).</summary>
    private sealed class ChunkWriter
    {
        private readonly SqliteCommand _document;
        private readonly SqliteCommand _documentFts;
        private readonly SqliteCommand _chunk;
        private readonly SqliteCommand _fts;

        private readonly StemCache _stems;

        public ChunkWriter(SqliteConnection connection, SqliteTransaction tx, StemCache stems)
        {
            _stems = stems;
            _document = Command(connection, tx, "INSERT INTO documents (path, title, description, content_hash, indexed_at) VALUES ($path, $title, $description, $hash, $at) RETURNING id",
                "$path", "$title", "$description", "$hash", "$at");
            _documentFts = Command(connection, tx, "INSERT INTO documents_fts (rowid, title, headings, body, context) VALUES ($id, $title, $headings, $body, $context)",
                "$id", "$title", "$headings", "$body", "$context");
            _chunk = Command(connection, tx, "INSERT INTO chunks (document_id, ordinal, heading_path, anchor, body, terms) VALUES ($doc, $ordinal, $heading, $anchor, $body, $terms) RETURNING id",
                "$doc", "$ordinal", "$heading", "$anchor", "$body", "$terms");
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
            var titleTerms = _stems.Of(doc.Title);
            var ordinal = 0;
            foreach (var chunk in doc.Chunks)
            {
                var terms = new HashSet<string>(titleTerms, StringComparer.Ordinal);
                terms.UnionWith(_stems.Of(chunk.HeadingPath + " " + chunk.Text + " " + context));
                Set(_chunk, documentId, ordinal++, chunk.HeadingPath, chunk.Anchor, chunk.Text, " " + string.Join(' ', terms) + " ");
                var chunkId = (long)_chunk.ExecuteScalar()!;
                Set(_fts, chunkId, doc.Title, string.Join(" ", chunk.Headings), chunk.Text, context);
                _fts.ExecuteNonQuery();
            }
            // The whole document once more, for its own bm25: each distinct heading once, all the text.
            var headings = string.Join(" ", doc.Chunks.SelectMany(c => c.Headings).Distinct(StringComparer.Ordinal));
            Set(_documentFts, documentId, doc.Title, headings, string.Join("\n", doc.Chunks.Select(c => c.Text)), context);
            _documentFts.ExecuteNonQuery();
            return doc.Chunks.Count;
        }

        private static void Set(SqliteCommand command, params object?[] values)
        {
            for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    /// <summary>A document in the ranking, with the passage it would be cited by (0: none found by keywords).</summary>
    private sealed class RankedDocument(long documentId)
    {
        public long DocumentId { get; } = documentId;
        public long BestChunkId { get; set; }
        public int PassageCount { get; set; }
        public double Passages { get; set; }
        public double Whole { get; set; }
        public double Score { get; set; }
    }

    private sealed record Passage(string Path, string Title, string Heading, string Anchor, string Body, string Terms);

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
