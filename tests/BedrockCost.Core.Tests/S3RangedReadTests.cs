using System.Globalization;
using System.Net;
using System.Text;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.S3;
using BedrockCost.TestData;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Ranged reads of Parquet objects through the real S3 client, against a local endpoint that answers ranged GETs
/// honestly or with the lies a broken proxy or a restated object produce: results equal the engine's on the same file
/// on disk, a rerun fetches nothing, a new version is fetched again, and every lie is an error (never zeros, never a
/// mix of two versions). The honest path is also tested against s3rver (tests/S3.Tests.ps1) and timed by the benchmark.
/// </summary>
public sealed class S3RangedReadTests : IDisposable
{
    private static readonly DateTime Period = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
    private const string Key = "cur/r/data/BILLING_PERIOD=2026-05/r-00001.snappy.parquet";
    private readonly string _dir = Directory.CreateTempSubdirectory("bc-ranged-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private async Task<byte[]> WriteMonthAsync(int seed, string? duckDbOptions = null)
    {
        var path = Path.Combine(_dir, $"month-{seed}.parquet");
        // Several row groups, some without Bedrock rows (their statistics rule them out, so they are not fetched).
        var rows = SyntheticData.Chunk(Period, seed, 0, 12_000, bedrockFraction: 0.2)
            .Concat(SyntheticData.Chunk(Period, seed, 1, 60_000, bedrockFraction: 0)
                .Where(r => r.ProductCode == "AmazonEC2" && r.IamPrincipal is null && r.ProductFamily == "Compute Instance").Take(6000))
            .Concat(SyntheticData.Chunk(Period, seed, 2, 12_000, bedrockFraction: 0.2));
        await CurParquetWriter.WriteAsync(path, rows, rowGroupSize: 3000);
        if (duckDbOptions is null) return await File.ReadAllBytesAsync(path);
        var rewritten = Path.Combine(_dir, $"month-{seed}-duckdb.parquet");
        DuckDbWriter.Rewrite(path, rewritten, duckDbOptions);
        return await File.ReadAllBytesAsync(rewritten);
    }

    private async Task<CostResult> LocalAsync(byte[] content, CostQuery query)
    {
        var dir = Path.Combine(_dir, "local-" + Guid.NewGuid().ToString("N"), "r", "data", "BILLING_PERIOD=2026-05");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, "r-00001.snappy.parquet"), content);
        using var source = CurSource.Local([Path.GetDirectoryName(Path.GetDirectoryName(dir))!]);
        return await source.QueryAsync(query, NullOperationContext.Instance, default);
    }

    private static CurSource S3(RangeServer server, string cache) =>
        new(new S3RangedStore(S3Location.Parse("s3://b/cur/r"), AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKID", SecretKey: "SECRET", EndpointUrl: server.Url)),
            new DownloadCache(cache)));

    private static string Rows(CostResult r) => string.Join("\n", r.Rows.Select(x =>
        string.Join('|', x.Principal, x.Model, x.TokenType, x.Account, x.UnattributedReason, x.UnblendedCost, x.NetUnblendedCost,
            x.InputTokens, x.OutputTokens, x.CacheReadTokens, x.CacheWriteTokens, x.LineItemCount, x.Currency)))
        + "\n" + string.Join("\n", r.BedrockTotals.Select(t => $"{t.Currency}|{t.UnblendedCost}|{t.NetUnblendedCost}|{t.LineItems}"));

    public static TheoryData<string?> Writers => new() { null, "", "ROW_GROUP_SIZE 3000, COMPRESSION zstd" };

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task Results_equal_the_local_engine_and_a_rerun_fetches_nothing(string? duckDb)
    {
        var content = await WriteMonthAsync(5, duckDb);
        using var server = new RangeServer(content, etag: "v1");
        var cache = Path.Combine(_dir, "cache");
        foreach (var grouping in new[] { "Principal", "Principal,Model,TokenType", "Account,Principal" })
        {
            var query = new CostQuery { GroupBy = grouping.Split(',').Select(GroupDimension.Parse).ToArray() };
            var local = await LocalAsync(content, query);

            using (var cold = S3(server, cache))
            {
                var before = server.BytesServed;
                var result = await cold.QueryAsync(query, NullOperationContext.Instance, default);
                Assert.Equal(Rows(local), Rows(result));
                var transfer = ((S3RangedStore)cold.Store).Transfer;
                Assert.Equal(server.BytesServed - before, transfer.FetchedBytes);
                Assert.True(transfer.FetchedBytes < content.Length, $"fetched {transfer.FetchedBytes} of {content.Length}");
            }
            using (var warm = S3(server, cache))
            {
                var requests = server.RangeRequests;
                var result = await warm.QueryAsync(query, NullOperationContext.Instance, default);
                Assert.Equal(Rows(local), Rows(result));
                Assert.Equal(0, ((S3RangedStore)warm.Store).Transfer.FetchedBytes);
                Assert.Equal(requests, server.RangeRequests);
            }
        }
        // Row groups whose statistics rule out Bedrock rows were never asked for (a coalescing gap aside).
        var pruned = await PrunedRowGroupsAsync(content);
        // DuckDB's default row groups (122,880 rows) hold the whole file: nothing to prune there.
        if (duckDb != "") Assert.NotEmpty(pruned);
        foreach (var (start, end) in pruned)
            Assert.True(server.Unserved().Any(u => u.Start <= start + RangedObject.CoalesceGap && u.Start + u.Length >= end - RangedObject.CoalesceGap),
                $"bytes {start}-{end} of a row group without Bedrock rows were fetched");
    }

    /// <summary>The byte spans of the row groups whose statistics rule out Bedrock rows.</summary>
    private static async Task<List<(long Start, long End)>> PrunedRowGroupsAsync(byte[] content)
    {
        await using var file = await BedrockCost.Core.Cur.ParquetCurFile.OpenAsync(new MemoryStream(content), "x", default);
        var spans = new List<(long, long)>();
        for (var i = 0; i < file.RowGroupCount; i++)
        {
            using var g = file.RowGroupReader(i);
            if (!BedrockCost.Core.Cur.RowGroupPruning.CannotHoldBedrock(g, file.Fields, (int)file.Rows(i), includeAgentCore: false)) continue;
            var ranges = file.Metadata.RowGroups[i].Columns.Select(BedrockCost.Core.Cur.Decoding.ColumnReader.Range).ToList();
            spans.Add((ranges.Min(r => r.Offset), ranges.Max(r => r.Offset + r.Length)));
        }
        return spans;
    }

    [Fact]
    public async Task A_restated_object_is_fetched_again_and_never_mixed_with_the_old()
    {
        var v1 = await WriteMonthAsync(5);
        var v2 = await WriteMonthAsync(6);
        var cache = Path.Combine(_dir, "cache");
        var query = new CostQuery();
        using var server = new RangeServer(v1, etag: "v1");
        using (var s = S3(server, cache)) Assert.Equal(Rows(await LocalAsync(v1, query)), Rows(await s.QueryAsync(query, NullOperationContext.Instance, default)));

        server.Replace(v2, "v2");
        using (var s = S3(server, cache))
        {
            var result = await s.QueryAsync(query, NullOperationContext.Instance, default);
            Assert.Equal(Rows(await LocalAsync(v2, query)), Rows(result));
            Assert.True(((S3RangedStore)s.Store).Transfer.FetchedBytes > 0);
        }

        // Listed as v2, restated as v3 between the listing and the reads: the If-Match or the ETag of the answer catches it.
        server.Replace(v1, "v3", listAs: "v2");
        using (var s = S3(server, Path.Combine(_dir, "other-cache")))
        {
            var e = await Assert.ThrowsAsync<BedrockCostException>(() => s.QueryAsync(query, NullOperationContext.Instance, default));
            Assert.Equal(ErrorIds.S3ObjectNotFound, e.ErrorId);
            Assert.Contains("changed while it was being read", e.Message);
        }
    }

    [Fact]
    public async Task A_damaged_cached_range_is_dropped_and_fetched_again_once()
    {
        var content = await WriteMonthAsync(5);
        using var server = new RangeServer(content, etag: "v1");
        var cache = Path.Combine(_dir, "cache");
        var query = new CostQuery();
        var expected = Rows(await LocalAsync(content, query));
        using (var s = S3(server, cache)) Assert.Equal(expected, Rows(await s.QueryAsync(query, NullOperationContext.Instance, default)));

        // The cached range holding the footer is damaged on disk (its closing PAR1 flipped): the read fails, the
        // object's ranges are dropped, fetched again, and the answer is the object's.
        var tail = Directory.EnumerateFiles(cache, "*.range", SearchOption.AllDirectories)
            .Single(f => CacheNames.TryParseRange(Path.GetFileName(f), out var start, out var length) && start + length == content.Length);
        var bytes = File.ReadAllBytes(tail);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(tail, bytes);
        using (var s = S3(server, cache))
        {
            Assert.Equal(expected, Rows(await s.QueryAsync(query, NullOperationContext.Instance, default)));
            Assert.True(((S3RangedStore)s.Store).Transfer.FetchedBytes > 0);
        }
        Assert.Equal(content[^4..], File.ReadAllBytes(tail)[^4..]);

        // Damaged in the bucket itself: fetched again once, then an error naming the object and the cache folder.
        var damaged = content.ToArray();
        damaged[^1] ^= 0xFF;
        server.Replace(damaged, "v2");
        using (var s = S3(server, cache))
        {
            var e = await Assert.ThrowsAsync<BedrockCostException>(() => s.QueryAsync(query, NullOperationContext.Instance, default));
            Assert.Equal(ErrorIds.CorruptFile, e.ErrorId);
            Assert.Contains(Key, e.Message);
            Assert.Contains("fetched again", e.Message);
            Assert.Contains(Path.Combine(cache, DownloadCache.RangesFolder), e.Message);
        }
    }

    [Theory]
    [InlineData("cur/r/data/BILLING_PERIOD=2026-05/..\\..\\x.parquet")]
    [InlineData("cur/r/data/BILLING_PERIOD=2026-05/a\u0000b\r\nc\u202Egnp.parquet")]
    [InlineData("cur/r/data/BILLING_PERIOD=2026-05/費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費.snappy.parquet")]
    public void Range_folders_are_named_like_downloads_and_keyed_the_same(string key)
    {
        var cache = new DownloadCache(Path.Combine(_dir, "cache"));
        var obj = new StoredObject(key, 1000, DateTimeOffset.UnixEpoch, "e");
        var folder = cache.RangeFolderFor("s3:aws|us-east-1:b", obj);
        Assert.Equal(Path.Combine(cache.Directory, DownloadCache.RangesFolder), Path.GetDirectoryName(Path.GetDirectoryName(folder)));
        Assert.True(CacheNames.IsCacheFolder(Path.GetFileName(Path.GetDirectoryName(folder))!));
        var name = Path.GetFileName(folder);
        Assert.True(CacheNames.IsRangeFolder(name), name);
        Assert.InRange(Encoding.UTF8.GetByteCount(name), 34, CacheNames.MaxNameBytes);
        Assert.NotEqual(Path.GetFileName(cache.PathFor("s3:aws|us-east-1:b", obj)), name);
        var others = new[]
        {
            cache.RangeFolderFor("s3:aws|eu-west-1:b", obj), cache.RangeFolderFor("s3:http://127.0.0.1:9000|us-east-1:b", obj),
            cache.RangeFolderFor("s3:aws|us-east-1:c", obj), cache.RangeFolderFor("s3:aws|us-east-1:b", obj with { ETag = "f" }),
            cache.RangeFolderFor("s3:aws|us-east-1:b", obj with { Size = 1001 }), cache.RangeFolderFor("s3:aws|us-east-1:b", obj with { Key = key + "x" }),
        };
        Assert.DoesNotContain(folder, others);
        Assert.Equal(others.Length, others.Distinct().Count());
        Assert.True(CacheNames.TryParseRange(CacheNames.RangeFileName(12, 34), out var start, out var length) && start == 12 && length == 34);
        Assert.True(CacheNames.IsRangeTemporary(Path.GetFileName(CacheNames.TemporaryPath(Path.Combine(folder, CacheNames.RangeFileName(12, 34))))));
    }

    [Fact]
    public void Cleanup_removes_only_stale_range_temporaries_and_follows_no_link()
    {
        var root = Path.Combine(_dir, "cache");
        var cache = new DownloadCache(root);
        var old = DateTime.UtcNow.AddHours(-3);
        string Make(string path) { Directory.CreateDirectory(Path.GetDirectoryName(path)!); File.WriteAllText(path, "x"); File.SetLastWriteTimeUtc(path, old); return path; }
        var folder = cache.RangeFolderFor("s3:aws|us-east-1:b", new StoredObject(Key, 1000, DateTimeOffset.UnixEpoch, "e"));
        var range = Make(Path.Combine(folder, CacheNames.RangeFileName(0, 1)));
        var stale = Make(CacheNames.TemporaryPath(range));
        var fresh = CacheNames.TemporaryPath(range);
        File.WriteAllText(fresh, "x");
        var stranger = Make(Path.Combine(folder, "notes.range.partial"));
        var elsewhere = Make(Path.Combine(root, DownloadCache.RangesFolder, "notes", Path.GetFileName(CacheNames.TemporaryPath(range))));
        // A range folder that is a link to the user's folder, holding a file of the module's temporary shape.
        var outside = Directory.CreateDirectory(Path.Combine(_dir, "users-documents")).FullName;
        var linked = Make(Path.Combine(outside, Path.GetFileName(CacheNames.TemporaryPath(range))));
        Directory.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(folder)!, "0123456789abcdef0123456789abcdef-x.parquet-ranges"), outside);

        cache.RemoveStalePartials(TimeSpan.FromHours(1));

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(range));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(stranger));
        Assert.True(File.Exists(elsewhere));
        Assert.True(File.Exists(linked));
    }

    public static TheoryData<RangeServer.Lie> Lies => new()
    {
        RangeServer.Lie.WrongRange, RangeServer.Lie.Truncated, RangeServer.Lie.WholeObject, RangeServer.Lie.OtherETag, RangeServer.Lie.WrongSize,
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public async Task A_lying_or_truncated_range_answer_is_an_error_and_caches_nothing(RangeServer.Lie lie)
    {
        var content = await WriteMonthAsync(5);
        using var server = new RangeServer(content, etag: "v1") { Lying = lie };
        var cache = Path.Combine(_dir, "cache");
        using var s = S3(server, cache);
        var e = await Record.ExceptionAsync(() => s.QueryAsync(new CostQuery(), NullOperationContext.Instance, default));
        var error = Assert.IsType<BedrockCostException>(e);
        Assert.Contains(error.ErrorId, new[] { ErrorIds.AwsRequestFailed, ErrorIds.AwsNetworkError, ErrorIds.S3ObjectNotFound });
        Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFiles(cache, "*.range", SearchOption.AllDirectories) : []);
        Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFiles(cache, "*.partial", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void Cache_files_are_only_ours_and_of_their_stated_size()
    {
        var obj = new StoredObject(Key, 1000, DateTimeOffset.UnixEpoch, "e");
        var folder = Path.Combine(_dir, "folder");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "0-100.range"), new byte[100]);           // ours
        File.WriteAllBytes(Path.Combine(folder, "100-100.range"), new byte[99]);          // short: not used
        File.WriteAllBytes(Path.Combine(folder, "950-100.range"), new byte[100]);         // beyond the object: not used
        File.WriteAllBytes(Path.Combine(folder, "x-y.range"), new byte[10]);              // not our name
        File.CreateSymbolicLink(Path.Combine(folder, "200-100.range"), Path.Combine(folder, "0-100.range")); // a link: not followed
        var fetched = new List<(long, int)>();
        using var ranged = new RangedObject(obj, folder, (start, buffer, _) => { fetched.Add((start, buffer.Length)); buffer.Span.Fill(7); return Task.CompletedTask; },
            new RangeTransfer());
        var bytes = new byte[300];
        ranged.ReadExactly(0, bytes);
        Assert.All(bytes.Take(100), b => Assert.Equal(0, b));
        Assert.All(bytes.Skip(100), b => Assert.Equal(7, b));
        Assert.Equal(new[] { (100L, RangedObject.MinimumFetch > 900 ? 900 : RangedObject.MinimumFetch) }, fetched.Take(1));
        Assert.True(File.Exists(Path.Combine(folder, "x-y.range")), "a file not of ours is left alone");
    }

    [Fact]
    public async Task Nearby_ranges_are_fetched_in_one_request_and_distant_ones_apart()
    {
        var obj = new StoredObject(Key, 10 << 20, DateTimeOffset.UnixEpoch, "e");
        var fetched = new List<(long Start, int Length)>();
        using var ranged = new RangedObject(obj, Path.Combine(_dir, "f"), (start, buffer, _) => { lock (fetched) fetched.Add((start, buffer.Length)); return Task.CompletedTask; },
            new RangeTransfer());
        await ranged.PrefetchAsync([(0, 1000), (2000, 1000), (5 << 20, 100), (8 << 20, 100), ((8 << 20) + 50, 100), ((8 << 20) + 200_000, 10)], default);
        Assert.Equal(new[] { (0L, 3000), (5L << 20, 100), (8L << 20, 150), ((8L << 20) + 200_000, 10) }, fetched.OrderBy(f => f.Start));
        fetched.Clear();
        await ranged.PrefetchAsync([(500, 2000), (5 << 20, 100)], default);
        Assert.Empty(fetched);
    }

    /// <summary>A local S3 endpoint for one object: lists it, serves ranged GETs of it (honestly, or with a lie).</summary>
    public sealed class RangeServer : LoopbackServer
    {
        public enum Lie { None, WrongRange, Truncated, WholeObject, OtherETag, WrongSize }

        private byte[] _content;
        private string _etag, _listedETag;
        private readonly List<(long Start, long End)> _served = new();
        private long _bytes;
        private int _ranges;

        public RangeServer(byte[] content, string etag)
        {
            _content = content;
            _etag = _listedETag = etag;
        }

        public Lie Lying { get; set; }
        public long BytesServed => Interlocked.Read(ref _bytes);
        public int RangeRequests => Volatile.Read(ref _ranges);

        /// <summary>A new version of the object (listed as <paramref name="listAs"/> when given: restated after the listing).</summary>
        public void Replace(byte[] content, string etag, string? listAs = null)
        {
            _content = content;
            _etag = etag;
            _listedETag = listAs ?? etag;
        }

        /// <summary>The parts of the object no request asked for.</summary>
        public IEnumerable<(long Start, long Length)> Unserved()
        {
            long at = 0;
            lock (_served)
                foreach (var (s, e) in _served.OrderBy(r => r.Start))
                {
                    if (s > at) yield return (at, s - at);
                    at = Math.Max(at, e + 1);
                }
            if (at < _content.Length) yield return (at, _content.Length - at);
        }

        protected override async Task HandleAsync(HttpListenerContext c)
        {
            var content = _content;
            if (c.Request.QueryString["list-type"] == "2")
            {
                await Reply(c, 200, "application/xml", Encoding.UTF8.GetBytes($"""
                    <?xml version="1.0" encoding="UTF-8"?>
                    <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>cur/r/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>
                    <Contents><Key>{Key}</Key><LastModified>2026-06-01T00:00:00.000Z</LastModified><ETag>"{_listedETag}"</ETag><Size>{content.Length}</Size><StorageClass>STANDARD</StorageClass></Contents>
                    </ListBucketResult>
                    """));
                return;
            }
            var ifMatch = c.Request.Headers["If-Match"];
            if (ifMatch is not null && ifMatch.Trim('"') != _etag && Lying != Lie.OtherETag)
            {
                await Reply(c, 412, "application/xml", Encoding.UTF8.GetBytes("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>"));
                return;
            }
            var range = c.Request.Headers["Range"]!.Replace("bytes=", "").Split('-');
            var start = long.Parse(range[0], CultureInfo.InvariantCulture);
            var end = Math.Min(long.Parse(range[1], CultureInfo.InvariantCulture), content.Length - 1);
            Interlocked.Increment(ref _ranges);
            lock (_served) _served.Add((start, end));
            var body = content.AsMemory((int)start, (int)(end - start + 1));
            c.Response.AddHeader("ETag", $"\"{(Lying == Lie.OtherETag ? "someone-else" : _etag)}\"");
            switch (Lying)
            {
                case Lie.WholeObject:
                    await Reply(c, 200, "application/octet-stream", content);
                    return;
                case Lie.WrongRange:
                    c.Response.AddHeader("Content-Range", $"bytes {start + 1}-{end + 1}/{content.Length}");
                    break;
                case Lie.WrongSize:
                    c.Response.AddHeader("Content-Range", $"bytes {start}-{end}/{content.Length + 1}");
                    break;
                default:
                    c.Response.AddHeader("Content-Range", $"bytes {start}-{end}/{content.Length}");
                    break;
            }
            c.Response.StatusCode = 206;
            c.Response.ContentType = "application/octet-stream";
            c.Response.ContentLength64 = body.Length;
            if (Lying == Lie.Truncated) body = body[..(body.Length / 2)];
            await c.Response.OutputStream.WriteAsync(body);
            Interlocked.Add(ref _bytes, body.Length);
            if (Lying == Lie.Truncated) c.Response.Abort(); else c.Response.Close();
        }
    }
}
