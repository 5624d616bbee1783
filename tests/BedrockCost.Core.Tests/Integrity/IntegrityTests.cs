using System.IO.Compression;
using System.Text;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Reports;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.S3;
using Xunit;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>The integrity rules of issue 10 one by one, in process (the hostile corpus runs them end to end).</summary>
public class IntegrityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bc-integrity-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- gzip: every cut is found -------------------------------------------------------------------------------

    private static byte[] ReadAll(byte[] gz)
    {
        using var s = new CheckedGzipStream(new MemoryStream(gz));
        using var o = new MemoryStream();
        s.CopyTo(o, 997); // odd reads: member boundaries fall anywhere inside them
        return o.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_gzip_file_cut_at_any_byte_is_never_read_as_a_shorter_whole(int members)
    {
        var text = string.Concat(Enumerable.Range(0, 600).Select(i => $"line {i},{i * 7 % 13},cost {i * 0.125}\n"));
        var parts = Enumerable.Range(0, members).Select(m => text[(m * text.Length / members)..((m + 1) * text.Length / members)]).ToList();
        var gz = parts.SelectMany(p => HostileFiles.Gzip(p)).ToArray();
        Assert.Equal(text, Encoding.UTF8.GetString(ReadAll(gz)));
        // Members end where the next one starts: a cut exactly there is a whole, valid file of fewer members.
        var boundaries = parts.Select((p, i) => parts.Take(i + 1).Sum(q => HostileFiles.Gzip(q).Length)).ToHashSet();
        for (var cut = 0; cut < gz.Length; cut++)
        {
            if (boundaries.Contains(cut)) continue;
            var e = Assert.Throws<InvalidDataException>(() => ReadAll(gz[..cut]));
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("damaged"), $"cut {cut}: {e.Message}");
        }
    }

    [Fact]
    public void A_gzip_file_cut_exactly_at_a_line_end_is_truncated()
    {
        var text = string.Concat(Enumerable.Range(0, 500).Select(i => $"line {i}\n"));
        var (gz, cut) = HostileFiles.GzipWithFlush(text, lines: 200);
        // What a plain GZipStream makes of the cut file: 200 whole lines and no error.
        using (var plain = new GZipStream(new MemoryStream(gz[..cut]), CompressionMode.Decompress))
            Assert.Equal(string.Concat(Enumerable.Range(0, 200).Select(i => $"line {i}\n")), new StreamReader(plain).ReadToEnd());
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ReadAll(gz[..cut])).Message);
        Assert.Equal(text, Encoding.UTF8.GetString(ReadAll(gz)));
    }

    [Fact]
    public void An_empty_gzip_member_is_read_as_empty_and_no_bytes_are_not_gzip()
    {
        // Header (ID1 ID2 CM FLG MTIME XFL OS), an empty final stored block, CRC-32 0 and length 0.
        var empty = new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        Assert.Empty(ReadAll(empty));
        Assert.Throws<InvalidDataException>(() => ReadAll(Array.Empty<byte>()));
    }

    // ---- sums: an overflow changes nothing and is counted -------------------------------------------------------

    private static LineItem Item(decimal cost, string currency = "USD") => new()
    {
        BillingPeriod = "2026-05", UsageStart = HostileFiles.May, LineItemType = "Usage", ProductCode = "AmazonBedrock",
        UsageType = "USE1-Claude4.6Sonnet-input-tokens", PricingUnit = "1K tokens", UsageAmount = 1m, Principal = HostileFiles.Principal,
        Currency = currency, UnblendedCost = cost, NetUnblendedCost = cost,
    };

    [Fact]
    public void An_item_that_would_overflow_a_sum_is_counted_as_left_out_and_changes_no_figure()
    {
        var a = new Aggregator(new CostQuery());
        Assert.Equal(SumOverflow.None, a.Add(Item(7e28m)));
        Assert.Equal(SumOverflow.None, a.Add(Item(1.5m)));
        var before = a.ToResult("CUR", NullOperationContext.Instance);
        Assert.Equal(SumOverflow.UnblendedCost, a.Add(Item(7e28m)));
        // In another currency the same amount fits: totals are per currency.
        Assert.Equal(SumOverflow.None, a.Add(Item(7e28m, "EUR")));
        var after = a.ToResult("CUR", NullOperationContext.Instance);
        Assert.Equal(before.BedrockTotals.Single().UnblendedCost, after.BedrockTotals.Single(t => t.Currency == "USD").UnblendedCost);
        Assert.Equal(2, after.BedrockTotals.Single(t => t.Currency == "USD").LineItems);
        Assert.Equal(1, after.LineItemsLeftOut);
        Assert.False(after.IsComplete);
        Assert.Contains("INCOMPLETE: 1 Bedrock line item(s)", after.ReconciliationText());
        Assert.Equal(after.Rows.Where(r => r.Currency == "USD").Sum(r => r.Cost), after.BedrockTotals.Single(t => t.Currency == "USD").UnblendedCost);
    }

    [Fact]
    public void A_merge_that_would_overflow_changes_nothing()
    {
        var a = new Aggregator(new CostQuery());
        var b = new Aggregator(new CostQuery());
        a.Add(Item(7e28m));
        b.Add(Item(7e28m));
        b.Add(Item(2m));
        Assert.False(a.TryMerge(b));
        var r = a.ToResult("CUR", NullOperationContext.Instance);
        Assert.Equal(7e28m, r.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(1, r.BedrockLineItems);
        Assert.True(a.TryMerge(new Aggregator(new CostQuery())));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(1e30)]
    [InlineData(-8e28)]
    public void A_number_that_is_not_money_is_never_zero(double value)
    {
        Assert.False(RowRules.TryMoney(value, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => RowRules.ToMoney(value));
    }

    [Fact]
    public async Task An_incomplete_result_says_so_in_the_chargeback_and_every_report_format()
    {
        var a = new Aggregator(new CostQuery());
        a.Add(Item(3m));
        a.AddLeftOut(4);
        var result = a.ToResult("CUR", NullOperationContext.Instance);
        var statement = ChargebackAllocator.Allocate(ChargebackInput.FromResult(result, "test"), new ChargebackOptions(), NullOperationContext.Instance);
        Assert.False(statement.IsComplete);
        Assert.True(statement.Reconciles);
        Assert.Contains("INCOMPLETE: 4 Bedrock line item(s)", statement.ReconciliationText());
        // Every format that carries the reconciliation says it (CSV: in its summary file). FOCUS is a dataset of
        // charges with no place for a sentence; Export-BedrockChargeback warns instead.
        foreach (var format in new[] { ChargebackFormat.Csv, ChargebackFormat.Json, ChargebackFormat.Html })
        {
            var text = new StringBuilder();
            foreach (var file in ChargebackReport.Files(format))
            {
                using var ms = new MemoryStream();
                await file.Write(statement, ms, default);
                text.Append(Encoding.UTF8.GetString(ms.ToArray()));
            }
            Assert.Contains("INCOMPLETE: 4 Bedrock line item(s)", text.ToString());
        }
        // The HTML's Reconciliation card and status column say INCOMPLETE, never "Reconciled", though the difference is 0.
        using var html = new MemoryStream();
        await ChargebackReport.Files(ChargebackFormat.Html).Single().Write(statement, html, default);
        var page = Encoding.UTF8.GetString(html.ToArray());
        Assert.DoesNotContain(">Reconciled<", page);
        Assert.Contains("<div class=\"value bad\">INCOMPLETE: 4 line item(s) left out</div>", page);
        Assert.Contains("<strong class=\"bad\">INCOMPLETE: 4 line item(s) left out</strong>", page);
    }

    // ---- the S3 cache: names, keys, cleanup, disk full ------------------------------------------------------------

    [Theory]
    [InlineData("exp/data/BILLING_PERIOD=2026-05/..\\..\\..\\x.parquet")]
    [InlineData("exp/data/BILLING_PERIOD=2026-05/C:\\Windows\\win.ini")]
    [InlineData("exp/data/BILLING_PERIOD=2026-05/..")]
    [InlineData("exp/data/BILLING_PERIOD=2026-05/a\u0000b\r\nc\u202Egnp.exe")]
    [InlineData("exp/data/BILLING_PERIOD=2026-05/費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費費.snappy.parquet")]
    [InlineData("exp/data/BILLING_PERIOD=2026-05/CON")]
    [InlineData("")]
    public void Cache_names_are_a_hash_and_a_short_ascii_stem(string key)
    {
        var path = CacheNames.RelativePath("s3:aws|us-east-1:b", new StoredObject(key, 10, DateTimeOffset.UnixEpoch, "e"), part: key.Length % 2 == 0 ? null : "b000001");
        var folder = Path.GetDirectoryName(path)!;
        var name = Path.GetFileName(path);
        Assert.True(CacheNames.IsCacheFolder(folder), folder);
        Assert.InRange(Encoding.UTF8.GetByteCount(name), 34, CacheNames.MaxNameBytes);
        Assert.Matches("^[0-9a-f]{32}-[A-Za-z0-9._-]+$", name);
        Assert.DoesNotContain("..", name);
        Assert.False(CacheNames.IsTemporary(name));
        Assert.True(CacheNames.IsTemporary(Path.GetFileName(CacheNames.TemporaryPath(path))));
    }

    [Fact]
    public void The_cache_key_holds_endpoint_region_bucket_key_etag_and_size()
    {
        var obj = new StoredObject("cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet", 100, DateTimeOffset.UnixEpoch, "e1");
        var paths = new[]
        {
            CacheNames.RelativePath("s3:aws|us-east-1:b", obj),
            CacheNames.RelativePath("s3:http://127.0.0.1:9000|us-east-1:b", obj),
            CacheNames.RelativePath("s3:aws|eu-west-1:b", obj),
            CacheNames.RelativePath("s3:aws|us-east-1:c", obj),
            CacheNames.RelativePath("s3:aws|us-east-1:b", obj with { Key = obj.Key + "x" }),
            CacheNames.RelativePath("s3:aws|us-east-1:b", obj with { ETag = "e2" }),
            CacheNames.RelativePath("s3:aws|us-east-1:b", obj with { Size = 101 }),
            CacheNames.RelativePath("s3:aws|us-east-1:b", obj, part: "b000001"),
        };
        Assert.Equal(paths.Length, paths.Distinct().Count());
        Assert.Equal(paths[0], CacheNames.RelativePath("s3:aws|us-east-1:b", obj));
    }

    [Fact]
    public void Cleanup_removes_only_its_own_stale_temporary_files_and_follows_no_link()
    {
        var cache = Path.Combine(_dir, "cache");
        var outside = Directory.CreateDirectory(Path.Combine(_dir, "users-documents")).FullName;
        var old = DateTime.UtcNow.AddHours(-3);
        string Make(string path) { Directory.CreateDirectory(Path.GetDirectoryName(path)!); File.WriteAllText(path, "x"); File.SetLastWriteTimeUtc(path, old); return path; }
        var obj = new StoredObject("cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet", 1, DateTimeOffset.UnixEpoch, "e");
        var final = new DownloadCache(cache).PathFor("s3:aws|us-east-1:b", obj);
        var ownStale = Make(CacheNames.TemporaryPath(final));
        var ownFresh = CacheNames.TemporaryPath(final);
        File.WriteAllText(ownFresh, "x");
        var thesis = Make(Path.Combine(cache, "thesis.docx.partial"));
        var inFolder = Make(Path.Combine(Path.GetDirectoryName(final)!, "thesis.docx.partial"));
        var nested = Make(Path.Combine(Path.GetDirectoryName(final)!, "deeper", Path.GetFileName(CacheNames.TemporaryPath(final))));
        // A cache folder that is a link to the user's folder, holding a file of the module's temporary shape.
        var linked = Make(Path.Combine(outside, Path.GetFileName(CacheNames.TemporaryPath(Path.Combine(outside, Path.GetFileName(final))))));
        Directory.CreateSymbolicLink(Path.Combine(cache, "ff"), outside);

        new DownloadCache(cache).RemoveStalePartials(TimeSpan.FromHours(1));

        Assert.False(File.Exists(ownStale));
        Assert.True(File.Exists(ownFresh));
        Assert.True(File.Exists(thesis));
        Assert.True(File.Exists(inFolder));
        Assert.True(File.Exists(nested));
        Assert.True(File.Exists(linked));
    }

    [Fact]
    public async Task A_full_disk_is_a_cache_error_not_a_network_error()
    {
        Assert.True(File.Exists("/dev/full"), "the test runs on Linux, where /dev/full answers every write with ENOSPC");
        var cache = new DownloadCache(Path.Combine(_dir, "cache"))
        {
            CreateTemporaryFile = _ => new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16, useAsync: true),
        };
        var obj = new StoredObject("cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet", 200_000, DateTimeOffset.UnixEpoch, "e");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => cache.FetchAsync("s3:aws|us-east-1:b", new[] { obj },
            (_, _) => Task.FromResult<Stream>(new MemoryStream(new byte[200_000])), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.CacheWriteFailed, e.ErrorId);
        Assert.Equal(ErrorKind.WriteError, e.Kind);
        Assert.Contains("-CacheDirectory", e.Message);
    }

    // ---- read once, layout scope --------------------------------------------------------------------------------

    [Fact]
    public void Read_once_keeps_the_first_and_counts_the_others()
    {
        var kept = ReadOnce.Distinct(new[] { "a", "b", "a", "c", "a", "b" }, x => x, out var repeated);
        Assert.Equal(new[] { "a", "b", "c" }, kept);
        Assert.Equal(new[] { ("a", 3), ("b", 2) }, repeated);
        Assert.Equal("'a' (3 times), 'b' (2 times)", ReadOnce.Describe(repeated, x => x));
    }

    [Theory]
    [InlineData("e/data/BILLING_PERIOD=2026-05/f.parquet", "e/data/BILLING_PERIOD=2026-05", true)]
    [InlineData("e/data/BILLING_PERIOD=2026-06/f.parquet", "e/data/BILLING_PERIOD=2026-05", false)]
    [InlineData("e/metadata/BILLING_PERIOD=2026-05/e-Manifest.json", "e/data/BILLING_PERIOD=2026-05", true)]
    [InlineData("e/metadata/BILLING_PERIOD=2026-06/e-Manifest.json", "e/data/BILLING_PERIOD=2026-05/", false)]
    [InlineData("e/metadata/BILLING_PERIOD=2026-06/e-Manifest.json", "e/data", true)]
    [InlineData("e/data/BILLING_PERIOD=2026-06/f.parquet", "e/data", true)]
    public void Pointing_inside_an_export_keeps_that_periods_files_and_manifest(string key, string under, bool inScope)
    {
        Assert.Equal(inScope, ExportLayout.InScope(key, under));
    }

    [Fact]
    public async Task A_period_folder_given_ignores_the_manifests_of_other_periods()
    {
        var root = HostileFiles.CopySample(_dir);
        // The 2026-06 manifest names a file that is not there; reading 2026-05 alone must not trip over it.
        HostileFiles.WriteManifest(root, "2026-06", new[] { HostileFiles.Uri("data/BILLING_PERIOD=2026-06/missing.snappy.parquet") });
        var result = await CurSource.Local(new[] { Path.Combine(root, "data", "BILLING_PERIOD=2026-05") })
            .QueryAsync(new CostQuery(), NullOperationContext.Instance, default);
        Assert.Equal(Truth.Bedrock(HostileFiles.SampleFile(1), HostileFiles.SampleFile(2)).Cost, result.BedrockTotals.Single().UnblendedCost, 6);
        await Assert.ThrowsAsync<BedrockCostException>(() => CurSource.Local(new[] { root })
            .QueryAsync(new CostQuery { BillingPeriods = new[] { "2026-06" } }, NullOperationContext.Instance, default));
    }

    // ---- Parquet from three writers passes the structure checks unchanged --------------------------------------

    [Fact]
    public async Task Parquet_from_parquet_net_and_duckdb_passes_the_structure_checks()
    {
        var (rows, clean) = HostileFiles.Rows();
        var net = await HostileFiles.ParquetAsync(Path.Combine(_dir, "net.parquet"), rows, rowGroupSize: 7);
        var duck = HostileFiles.ByDuckDb(net, Path.Combine(_dir, "duck.parquet"));
        DuckDbWriterZstd(net, Path.Combine(_dir, "duck-zstd.parquet"));
        foreach (var file in new[] { net, duck, Path.Combine(_dir, "duck-zstd.parquet") })
        {
            var r = await CurSource.Local(new[] { file }).QueryAsync(new CostQuery(), NullOperationContext.Instance, default);
            Assert.Equal(clean, r.BedrockTotals.Single().UnblendedCost);
            Assert.True(r.IsComplete);
        }

        static void DuckDbWriterZstd(string from, string to) => BedrockCost.TestData.DuckDbWriter.Rewrite(from, to, "COMPRESSION zstd, ROW_GROUP_SIZE 11");
    }
}
