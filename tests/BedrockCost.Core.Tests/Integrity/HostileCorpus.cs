using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.S3;
using static BedrockCost.Core.Tests.Integrity.HostileFiles;
using LineItem = BedrockCost.TestData.LineItem;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>What a corpus case must come to: a terminating error of the module's own, or a total (with the line items left out and the non-terminating errors).</summary>
internal sealed record Expect
{
    public string? ErrorId { get; init; }
    public string? Kind { get; init; }
    /// <summary>The Bedrock unblended total of the data read (one currency), from the case's own truth.</summary>
    public decimal? Total { get; init; }
    public long LeftOut { get; init; }
    /// <summary>Ids of the non-terminating errors, one per entry.</summary>
    public string[] Errors { get; init; } = Array.Empty<string>();
    /// <summary>Text the terminating error's (or first non-terminating error's) message must hold.</summary>
    public string[] MessageHolds { get; init; } = Array.Empty<string>();
    /// <summary>Text one warning must hold.</summary>
    public string? Warning { get; init; }
    /// <summary>Further checks after the run (what the server saw, what the cache holds).</summary>
    public Action<JsonObject>? After { get; init; }
}

/// <summary>A case's working folder and the servers it started, removed after the case.</summary>
internal sealed class Workspace : IDisposable
{
    private readonly List<IDisposable> _owned = new();
    public string Dir { get; } = Directory.CreateTempSubdirectory("bc-hostile-").FullName;
    public string Path(params string[] parts) => System.IO.Path.Combine(new[] { Dir }.Concat(parts).ToArray());
    public T Own<T>(T d) where T : IDisposable { _owned.Add(d); return d; }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// The hostile-input corpus (issue 10, item 9): inputs the tests make themselves, each with its exact outcome.
/// Every case runs in a child process (<c>tests/tools/BedrockCost.CorpusRunner</c>) bounded in time and peak memory by
/// <see cref="HostileCorpusTests"/>. <see cref="Case.Item"/> names the item the case shows.
/// </summary>
internal static class HostileCorpus
{
    internal sealed record Case(string Name, string Item, Func<Workspace, Task<(JsonObject Request, Expect Expect)>> Build);

    private static JsonObject Local(params string[] paths) => new() { ["paths"] = new JsonArray(paths.Select(p => (JsonNode)p).ToArray()) };

    private static JsonObject S3(HostileS3Server server, string prefix, string? cache) =>
        new() { ["s3"] = new JsonObject { ["uri"] = $"s3://{server.Bucket}/{prefix}", ["endpoint"] = server.Url, ["cache"] = cache } };

    /// <summary>The Bedrock total of the sample's first data file, by DuckDB (the sample changes when it is regenerated).</summary>
    private static decimal File1 => Truth.Bedrock(SampleFile(1)).Cost;

    public static readonly Case[] All =
    {
        // ---- 1. Every data file is read once --------------------------------------------------------------------
        new("manifest-lists-a-file-1000-times", "1", async ws =>
        {
            var root = CopySample(ws.Dir);
            WriteManifest(root, "2026-05", Enumerable.Repeat(Uri("data/BILLING_PERIOD=2026-05/bedrock-cur-00001.snappy.parquet"), 1000));
            return (Local(root).With("billingPeriods", "2026-05"),
                new Expect { Total = Truth.Bedrock(SampleFile(1)).Cost, Warning = "1,000 times" });
        }),
        new("manifest-lists-five-copies-and-another", "1", async ws =>
        {
            var root = CopySample(ws.Dir);
            WriteManifest(root, "2026-05", Enumerable.Repeat(Uri("data/BILLING_PERIOD=2026-05/bedrock-cur-00001.snappy.parquet"), 5)
                .Append(Uri("data/BILLING_PERIOD=2026-05/bedrock-cur-00002.snappy.parquet")));
            return (Local(root).With("billingPeriods", "2026-05"),
                new Expect { Total = Truth.Bedrock(SampleFile(1), SampleFile(2)).Cost, Warning = "5 times" });
        }),
        new("manifest-names-two-create-new-executions", "1,6", async ws =>
        {
            var root = Path.Combine(ws.Dir, "bedrock-cur");
            var older = Path.Combine(root, "data", "BILLING_PERIOD=2026-05", "20260601T010000Z-aaaa", "bedrock-cur-00001.snappy.parquet");
            var newer = Path.Combine(root, "data", "BILLING_PERIOD=2026-05", "20260602T010000Z-bbbb", "bedrock-cur-00001.snappy.parquet");
            Directory.CreateDirectory(Path.GetDirectoryName(older)!); Directory.CreateDirectory(Path.GetDirectoryName(newer)!);
            File.Copy(SampleFile(1), older); File.Copy(SampleFile(2), newer);
            WriteManifest(root, "2026-05", new[]
            {
                Uri("data/BILLING_PERIOD=2026-05/20260601T010000Z-aaaa/bedrock-cur-00001.snappy.parquet"),
                Uri("data/BILLING_PERIOD=2026-05/20260602T010000Z-bbbb/bedrock-cur-00001.snappy.parquet"),
            });
            return (Local(root), new Expect { Total = Truth.Bedrock(SampleFile(2)).Cost, Warning = "only the latest, 20260602T010000Z-bbbb, counts" });
        }),
        new("same-relative-path-under-data-and-x-data", "1,6", async ws =>
        {
            var root = CopySample(ws.Dir);
            var nested = Path.Combine(root, "data", "BILLING_PERIOD=2026-05", "x", "data", "BILLING_PERIOD=2026-05", "bedrock-cur-00001.snappy.parquet");
            Directory.CreateDirectory(Path.GetDirectoryName(nested)!);
            File.Copy(SampleFile(2), nested);
            return (Local(root).With("billingPeriods", "2026-05"), new Expect { Total = Truth.Bedrock(SampleFile(1), SampleFile(2)).Cost });
        }),
        new("export-reached-through-a-folder-link", "1", async ws =>
        {
            var root = CopySample(ws.Dir);
            var link = Path.Combine(ws.Dir, "link-to-export");
            Directory.CreateSymbolicLink(link, root);
            return (Local(root, link).With("billingPeriods", "2026-05"),
                new Expect { Total = Truth.Bedrock(SampleFile(1), SampleFile(2)).Cost, Warning = "more than one path" });
        }),
        new("file-given-twice-once-through-a-file-link", "1", async ws =>
        {
            var file = Path.Combine(ws.Dir, "a.snappy.parquet");
            File.Copy(SampleFile(1), file);
            var link = Path.Combine(ws.Dir, "b.snappy.parquet");
            File.CreateSymbolicLink(link, file);
            return (Local(file, link), new Expect { Total = File1, Warning = "more than one path" });
        }),

        // ---- 2. No cost is silently zero ------------------------------------------------------------------------
        new("parquet-nan-costs", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [3] = double.NaN, [17] = double.NaN, [44] = double.NaN }, ec2Cost: double.NaN);
            var file = await ParquetAsync(ws.Path("nan.parquet"), rows);
            return (Local(file), new Expect { Total = clean, LeftOut = 3, Errors = new[] { ErrorIds.InvalidCostValue }, MessageHolds = new[] { "3 Bedrock line item(s)", "line_item_unblended_cost", "NaN", "row group 0, row 4" } });
        }),
        new("parquet-infinite-costs", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [0] = double.PositiveInfinity, [59] = double.NegativeInfinity });
            var file = await ParquetAsync(ws.Path("inf.parquet"), rows);
            return (Local(file), new Expect { Total = clean, LeftOut = 2, Errors = new[] { ErrorIds.InvalidCostValue }, MessageHolds = new[] { "Infinity", "row group 0, row 0" } });
        }),
        new("parquet-cost-1e30", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [10] = 1e30 });
            var file = await ParquetAsync(ws.Path("huge.parquet"), rows);
            return (Local(file), new Expect { Total = clean, LeftOut = 1, Errors = new[] { ErrorIds.InvalidCostValue }, MessageHolds = new[] { "1E+30" } });
        }),
        new("parquet-two-costs-of-7e28-overflow-the-sum", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [5] = 7e28, [6] = 7e28 }, whole: true);
            var file = await ParquetAsync(ws.Path("overflow.parquet"), rows);
            return (Local(file), new Expect { Total = clean + (decimal)7e28, LeftOut = 1, Errors = new[] { ErrorIds.CostSumOverflow }, MessageHolds = new[] { "line_item_unblended_cost" } });
        }),
        new("parquet-by-duckdb-nan-costs", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [1] = double.NaN, [2] = double.PositiveInfinity });
            var file = ByDuckDb(await ParquetAsync(ws.Path("src.parquet"), rows), ws.Path("duck", "nan.parquet"));
            return (Local(file), new Expect { Total = Truth.Bedrock(file).Cost, LeftOut = 2, Errors = new[] { ErrorIds.InvalidCostValue } });
        }),
        new("two-files-whose-sums-overflow-together", "2", async ws =>
        {
            var (a, cleanA) = Rows(new Dictionary<int, double> { [7] = 7e28 }, whole: true);
            var (b, _) = Rows(new Dictionary<int, double> { [7] = 7e28 }, whole: true);
            var fa = await ParquetAsync(ws.Path("a.parquet"), a);
            var fb = await ParquetAsync(ws.Path("b.parquet"), b);
            // Files are read in parallel: whichever is merged second is left out whole (its 60 Bedrock line items), named in the error.
            return (Local(fa, fb), new Expect { Total = cleanA + (decimal)7e28, LeftOut = 60, Errors = new[] { ErrorIds.CostSumOverflow } });
        }),
        new("csv-nan-infinity-and-text-costs", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [2] = 0, [9] = 0, [30] = 0, [31] = 0 });
            var bad = new Dictionary<string, string> { ["li-000002"] = "NaN", ["li-000009"] = "Infinity", ["li-000030"] = "-Infinity", ["li-000031"] = "12,5 EUR" };
            var file = ws.Path("hostile.csv");
            File.WriteAllText(file, CsvText(rows.Select(r => (r, r.LineItemId is { } id && bad.TryGetValue(id, out var t) ? $"\"{t}\"" : null))));
            return (Local(file), new Expect { Total = clean, LeftOut = 4, Errors = new[] { ErrorIds.InvalidCostValue }, MessageHolds = new[] { "line 5" } });
        }),
        new("csv-gz-cost-1e30-and-two-of-7e28", "2", async ws =>
        {
            var (rows, clean) = Rows(new Dictionary<int, double> { [1] = 0, [2] = 0, [3] = 0 }, whole: true);
            var bad = new Dictionary<string, string> { ["li-000001"] = "1e30", ["li-000002"] = "7e28", ["li-000003"] = "7e28" };
            var file = ws.Path("hostile.csv.gz");
            File.WriteAllBytes(file, Gzip(CsvText(rows.Select(r => (r, r.LineItemId is { } id && bad.TryGetValue(id, out var t) ? t : null)))));
            return (Local(file), new Expect { Total = clean + 7e28m, LeftOut = 2, Errors = new[] { ErrorIds.InvalidCostValue, ErrorIds.CostSumOverflow } });
        }),

        // ---- 3. Parquet structure is checked before it is trusted --------------------------------------------------
        new("parquet-row-group-claims-minus-5-rows", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f => RowGroup(f, 1).SetInt(ThriftFooter.RgNumRows, -5))),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "row group 1 states -5 rows" } })),
        new("parquet-row-group-claims-100M-rows", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f => ClaimRows(f, 1, 100_000_000, columnsToo: false))),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "100,000,000 rows" } })),
        new("parquet-row-group-and-every-column-claim-100M", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f => ClaimRows(f, 1, 100_000_000, columnsToo: true))),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "the pages of column" } })),
        new("parquet-file-rows-disagree-with-row-groups", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f => f.SetInt(ThriftFooter.FileNumRows, 999))),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "where the footer states 999" } })),
        new("parquet-value-count-disagrees-with-rows", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f =>
                ThriftFooter.ColumnsOf(RowGroup(f, 0))[5].SetInt(ThriftFooter.CmdNumValues, 3))),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "states 3 values" } })),
        new("parquet-column-chunk-beyond-the-file", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f =>
                ThriftFooter.ColumnsOf(RowGroup(f, 2))[0].SetInt(ThriftFooter.CmdDataPageOffset, 10_000_000_000))),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "outside the data part" } })),
        new("parquet-footer-list-claims-a-billion-elements", "3", async ws => (Local(EditFooter(ws, SampleFile(1), f =>
                ((TList)f[ThriftFooter.Schema]).ClaimedCount = 1_000_000_000)),
            new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "footer" } })),
        new("parquet-footer-length-beyond-the-file", "3", async ws =>
        {
            var bytes = File.ReadAllBytes(SampleFile(1));
            BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, bytes.Length - 8);
            var file = ws.Path("footer-length.parquet");
            File.WriteAllBytes(file, bytes);
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "footer length" } });
        }),
        new("parquet-truncated-in-the-middle", "3", async ws =>
        {
            var bytes = File.ReadAllBytes(SampleFile(1));
            var file = ws.Path("truncated.snappy.parquet");
            File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData" });
        }),
        new("parquet-by-duckdb-row-group-claims-100M-rows", "3", async ws =>
        {
            var (rows, _) = Rows();
            var file = ByDuckDb(await ParquetAsync(ws.Path("src.parquet"), rows), ws.Path("duck", "claims.parquet"));
            ThriftFooter.Edit(file, f => ClaimRows(f, 0, 100_000_000, columnsToo: true));
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData" });
        }),
        new("parquet-by-duckdb-row-group-claims-minus-5-rows", "3", async ws =>
        {
            var (rows, _) = Rows();
            var file = ByDuckDb(await ParquetAsync(ws.Path("src.parquet"), rows), ws.Path("duck", "negative.parquet"));
            ThriftFooter.Edit(file, f => RowGroup(f, 1).SetInt(ThriftFooter.RgNumRows, -5));
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "-5 rows" } });
        }),
        new("parquet-export-with-a-lying-file-reads-nothing", "3", async ws =>
        {
            var root = CopySample(ws.Dir);
            ThriftFooter.Edit(Path.Combine(root, "data", "BILLING_PERIOD=2026-05", "bedrock-cur-00001.snappy.parquet"), f => RowGroup(f, 1).SetInt(ThriftFooter.RgNumRows, -5));
            return (Local(root).With("billingPeriods", "2026-05"), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "bedrock-cur-00001" } });
        }),

        // ---- 4. Gzip and CSV -----------------------------------------------------------------------------------------
        new("gzip-cut-in-the-middle-of-a-line", "4", async ws =>
        {
            var (rows, _) = Rows();
            var gz = Gzip(CsvText(rows.Select(r => (r, (string?)null))));
            var file = ws.Path("cut.csv.gz");
            File.WriteAllBytes(file, gz[..(gz.Length * 2 / 3)]);
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "truncated" } });
        }),
        new("gzip-cut-exactly-at-a-line-end", "4", async ws =>
        {
            var (rows, _) = Rows();
            var (gz, cut) = GzipWithFlush(CsvText(rows.Select(r => (r, (string?)null))), lines: 40);
            var file = ws.Path("cut-at-line-end.csv.gz");
            File.WriteAllBytes(file, gz[..cut]);
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "truncated" } });
        }),
        new("gzip-cut-inside-its-trailer", "4", async ws =>
        {
            var (rows, _) = Rows();
            var gz = Gzip(CsvText(rows.Select(r => (r, (string?)null))));
            var file = ws.Path("cut-trailer.csv.gz");
            File.WriteAllBytes(file, gz[..^3]);
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "truncated" } });
        }),
        new("gzip-with-a-flipped-crc", "4", async ws =>
        {
            var (rows, _) = Rows();
            var gz = Gzip(CsvText(rows.Select(r => (r, (string?)null))));
            gz[^6] ^= 0x20;
            var file = ws.Path("crc.csv.gz");
            File.WriteAllBytes(file, gz);
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData" });
        }),
        new("gzip-of-two-members-is-read-whole", "4", async ws =>
        {
            var (rows, clean) = Rows();
            var text = CsvText(rows.Select(r => (r, (string?)null)));
            var split = text.IndexOf('\n', text.Length / 2) + 1;
            var file = ws.Path("two-members.csv.gz");
            File.WriteAllBytes(file, Gzip(text[..split]).Concat(Gzip(text[split..])).ToArray());
            return (Local(file), new Expect { Total = clean });
        }),
        new("gzip-of-two-members-the-second-cut", "4", async ws =>
        {
            var (rows, _) = Rows();
            var text = CsvText(rows.Select(r => (r, (string?)null)));
            var split = text.IndexOf('\n', text.Length / 2) + 1;
            var second = Gzip(text[split..]);
            var file = ws.Path("two-members-cut.csv.gz");
            File.WriteAllBytes(file, Gzip(text[..split]).Concat(second[..(second.Length - 10)]).ToArray());
            return (Local(file), new Expect { ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { "truncated" } });
        }),
        new("gzip-holding-one-1.2G-character-field", "4", async ws =>
        {
            var file = ws.Path("one-field.csv.gz");
            var (rows, _) = Rows();
            var header = CsvText(rows.Take(1).Select(r => (r, (string?)null))).Split('\n')[0];
            using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
            {
                gz.Write(Encoding.ASCII.GetBytes(header + "\n\""));
                var chunk = Encoding.ASCII.GetBytes(new string('x', 1 << 20));
                for (var i = 0; i < 1200; i++) gz.Write(chunk);
                gz.Write(Encoding.ASCII.GetBytes("\",1\n"));
            }
            return (Local(file), new Expect { ErrorId = ErrorIds.CsvRecordTooLong, Kind = "InvalidData", MessageHolds = new[] { "line 2", "64 MiB" } });
        }),
        new("csv-header-longer-than-the-cap", "4", async ws =>
        {
            var file = ws.Path("long-header.csv");
            using (var w = new StreamWriter(file))
            {
                w.Write("line_item_unblended_cost,");
                for (var i = 0; i < 70; i++) w.Write(new string('h', 1 << 20));
                w.Write("\n1\n");
            }
            return (Local(file), new Expect { ErrorId = ErrorIds.CsvRecordTooLong, Kind = "InvalidData", MessageHolds = new[] { "line 1" } });
        }),
        new("manifest-of-17-MiB-is-refused-unread", "4", async ws =>
        {
            var root = CopySample(ws.Dir);
            WriteManifest(root, "2026-05", Array.Empty<string>(), raw: "{\"dataFiles\": [" + new string(' ', 17 << 20) + "]}");
            return (Local(root).With("billingPeriods", "2026-05"), new Expect { ErrorId = ErrorIds.ManifestInvalid, Kind = "InvalidData", MessageHolds = new[] { "more than a manifest can be" } });
        }),

        // ---- 6 and 7. The module's own errors, saying what happened -------------------------------------------------
        new("manifest-is-a-json-array", "6", async ws =>
        {
            var root = CopySample(ws.Dir);
            WriteManifest(root, "2026-05", Array.Empty<string>(), raw: "[\"s3://b/x.parquet\"]");
            return (Local(root).With("billingPeriods", "2026-05"), new Expect { ErrorId = ErrorIds.ManifestInvalid, Kind = "InvalidData", MessageHolds = new[] { "not a JSON object" } });
        }),
        new("manifest-with-a-lone-surrogate", "6", async ws =>
        {
            var root = CopySample(ws.Dir);
            WriteManifest(root, "2026-05", Array.Empty<string>(), raw: "{\"dataFiles\": [\"s3://b/\\ud800.parquet\"]}");
            return (Local(root).With("billingPeriods", "2026-05"), new Expect { ErrorId = ErrorIds.ManifestInvalid, Kind = "InvalidData", MessageHolds = new[] { "lone surrogate" } });
        }),
        new("manifest-naming-the-only-missing-file", "7", async ws =>
        {
            var root = CopySample(ws.Dir);
            foreach (var f in Directory.EnumerateFiles(Path.Combine(root, "data", "BILLING_PERIOD=2026-05"))) File.Delete(f);
            return (Local(root).With("billingPeriods", "2026-05"), new Expect { ErrorId = ErrorIds.ManifestFileMissing, Kind = "InvalidData", MessageHolds = new[] { "bedrock-cur-00001.snappy.parquet" } });
        }),
        new("zero-byte-file-given-by-path", "7", async ws =>
        {
            var file = ws.Path("empty.snappy.parquet");
            File.WriteAllBytes(file, Array.Empty<byte>());
            return (Local(file), new Expect { ErrorId = ErrorIds.NoCurFiles, Kind = "NotFound", MessageHolds = new[] { "empty.snappy.parquet' is empty (0 bytes)" } });
        }),
        new("mapping-file-with-a-lone-surrogate", "6", async ws =>
        {
            var file = ws.Path("mapping.json");
            File.WriteAllText(file, "[{\"Pattern\": \"*:user/alice\", \"CostCenter\": \"ml\"}, {\"Pattern\": \"*:user/bob\", \"CostCenter\": \"\\udc00x\"}]");
            return (new JsonObject { ["kind"] = "mapping", ["mapping"] = file },
                new Expect { ErrorId = ErrorIds.MappingRuleInvalid, Kind = "InvalidData", MessageHolds = new[] { "Rule 2", "mapping.json", "lone UTF-16 surrogate" } });
        }),
        new("mapping-file-with-a-reversed-range", "6", async ws =>
        {
            var file = ws.Path("mapping.csv");
            File.WriteAllText(file, "Pattern,CostCenter\n*:user/[z-a]*,ml\n");
            return (new JsonObject { ["kind"] = "mapping", ["mapping"] = file },
                new Expect { ErrorId = ErrorIds.MappingRuleInvalid, Kind = "InvalidData", MessageHolds = new[] { "Rule 1", "[z-a]" } });
        }),
        new("mapping-file-of-20-MiB", "6", async ws =>
        {
            var file = ws.Path("mapping.csv");
            File.WriteAllText(file, "Pattern,CostCenter\n" + string.Concat(Enumerable.Repeat("*:user/someone-with-a-long-name,cost-centre\n", 500_000)));
            return (new JsonObject { ["kind"] = "mapping", ["mapping"] = file },
                new Expect { ErrorId = ErrorIds.MappingFileInvalid, Kind = "InvalidData", MessageHolds = new[] { "16 MiB" } });
        }),

        // ---- 5. S3 and its cache, against a hostile endpoint ---------------------------------------------------------
        new("s3-listing-repeats-its-continuation-token", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server { Listing = HostileS3Server.ListingMode.RepeatToken });
            server.Put("cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet", File.ReadAllBytes(SampleFile(1)));
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect
            {
                ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData", MessageHolds = new[] { "continuation token it had sent before" },
                After = _ => Xunit.Assert.InRange(server.Requests, 2, 3),
            });
        }),
        new("s3-listing-of-endless-empty-pages", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server { Listing = HostileS3Server.ListingMode.EndlessEmptyPages });
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect { ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData", MessageHolds = new[] { "did not end" } });
        }),
        new("s3-etag-with-crlf-injects-no-header", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Objects["cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet"] =
                new HostileS3Server.ServedObject(File.ReadAllBytes(SampleFile(1)), "abc\r\nX-Injected: 1");
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect
            {
                ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData", MessageHolds = new[] { "ETag" },
                After = _ =>
                {
                    Xunit.Assert.Equal(0, server.Gets);
                    Xunit.Assert.DoesNotContain(server.Received, r => r.Headers.Any(h => h.Name.Equals("X-Injected", StringComparison.OrdinalIgnoreCase)));
                },
            });
        }),
        new("s3-key-with-cr-lf", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Put("cur/e/data/BILLING_PERIOD=2026-05/e-00001\r\nX-Forged: 1.snappy.parquet", File.ReadAllBytes(SampleFile(1)));
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect
            {
                ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData", MessageHolds = new[] { "control characters", "\\u000D\\u000A" },
                After = _ => Xunit.Assert.Equal(0, server.Gets),
            });
        }),
        new("s3-listing-that-is-not-xml-1.0", "5", async ws =>
        {
            // A bell and an escape in a key are no XML 1.0 characters: the listing itself is malformed.
            var server = ws.Own(new HostileS3Server());
            server.Put("cur/e/data/BILLING_PERIOD=2026-05/e-\u0007\u001b[2J.snappy.parquet", File.ReadAllBytes(SampleFile(1)));
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect { ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData", MessageHolds = new[] { "not valid XML" } });
        }),
        new("s3-object-listed-with-a-negative-size", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Objects["cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet"] = new HostileS3Server.ServedObject(File.ReadAllBytes(SampleFile(1)), "e1", ListedSize: -1);
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect { ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData", MessageHolds = new[] { "size of -1" } });
        }),
        new("s3-server-sends-more-than-it-listed", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Objects["cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet"] = new HostileS3Server.ServedObject(File.ReadAllBytes(SampleFile(1)), "e1", ExtraBytes: true);
            var cache = ws.Path("cache");
            return (S3(server, "cur/e/", cache), new Expect
            {
                ErrorId = ErrorIds.InvalidS3Response, Kind = "InvalidData",
                After = _ => Xunit.Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories) : Array.Empty<string>()),
            });
        }),
        new("s3-manifest-listed-at-1.5-GB-is-never-fetched", "4,5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Put("cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet", File.ReadAllBytes(SampleFile(1)));
            server.Objects["cur/e/metadata/BILLING_PERIOD=2026-05/e-Manifest.json"] = new HostileS3Server.ServedObject(Encoding.UTF8.GetBytes("{}"), "m1", ListedSize: 1_500_000_000);
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect
            {
                ErrorId = ErrorIds.ManifestInvalid, Kind = "InvalidData", MessageHolds = new[] { "1,500,000,000 bytes" },
                After = _ => Xunit.Assert.Equal(0, server.Gets),
            });
        }),
        new("s3-key-climbing-out-of-the-cache", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            var key = "cur/e/data/BILLING_PERIOD=2026-05/..\\..\\..\\x.parquet";
            server.Put(key, File.ReadAllBytes(SampleFile(1)));
            var cache = ws.Path("cache");
            var bait = ws.Path("x.parquet");
            File.WriteAllText(bait, "the user's file");
            return (S3(server, "cur/e/", cache), new Expect
            {
                Total = File1,
                After = _ =>
                {
                    Xunit.Assert.Equal("the user's file", File.ReadAllText(bait));
                    var files = Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories).ToList();
                    Xunit.Assert.Single(files);
                    var name = Path.GetFileName(files[0]);
                    Xunit.Assert.True(Encoding.UTF8.GetByteCount(name) <= CacheNames.MaxNameBytes, name);
                    Xunit.Assert.DoesNotContain('\\', name);
                    Xunit.Assert.DoesNotContain("..", name);
                },
            });
        }),
        new("s3-long-cjk-key-with-cache", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Put($"cur/e/data/BILLING_PERIOD=2026-05/{new string('費', 90)}.snappy.parquet", File.ReadAllBytes(SampleFile(1)));
            return (S3(server, "cur/e/", ws.Path("cache")), new Expect { Total = File1 });
        }),
        new("s3-long-cjk-key-without-cache", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            server.Put($"cur/e/data/BILLING_PERIOD=2026-05/{new string('費', 90)}.snappy.parquet", File.ReadAllBytes(SampleFile(1)));
            return (S3(server, "cur/e/", cache: null), new Expect { Total = File1 });
        }),
        new("s3-cached-copy-with-a-flipped-byte-is-fetched-again", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            var key = "cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet";
            server.Put(key, File.ReadAllBytes(SampleFile(1)));
            var cache = ws.Path("cache");
            var copy = CachedCopy(server, key, cache);
            return (S3(server, "cur/e/", cache), new Expect { Total = File1, After = _ => Xunit.Assert.Equal(File.ReadAllBytes(SampleFile(1)), File.ReadAllBytes(copy)) });
        }),
        new("s3-object-damaged-in-the-bucket-names-key-and-copy", "5", async ws =>
        {
            var server = ws.Own(new HostileS3Server());
            var key = "cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet";
            var damaged = File.ReadAllBytes(SampleFile(1));
            damaged[^1] ^= 0xFF; // the closing PAR1
            server.Put(key, damaged);
            var cache = ws.Path("cache");
            var copy = CachedCopy(server, key, cache, damaged);
            return (S3(server, "cur/e/", cache), new Expect
            {
                ErrorId = ErrorIds.CorruptFile, Kind = "InvalidData", MessageHolds = new[] { key, copy, "fetched again" },
                After = _ => Xunit.Assert.Equal(1, server.Gets),
            });
        }),
        new("s3-same-names-on-two-endpoints-are-two-objects", "5", async ws =>
        {
            // One cache, two endpoints serving the same key, ETag and size with different costs: each is read as its own.
            var cache = ws.Path("cache");
            var (rows, _) = Rows();
            string Cost(LineItem r, double scale) => (r.UnblendedCost * scale).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
            string Csv(double scale) => CsvText(rows.Select(r => (r, (string?)(r.ProductCode == "AmazonBedrock" ? Cost(r, scale) : null))));
            var first = ws.Own(new HostileS3Server());
            var second = ws.Own(new HostileS3Server());
            var key = "cur/e/data/BILLING_PERIOD=2026-05/e-00001.csv";
            first.Objects[key] = new HostileS3Server.ServedObject(Encoding.UTF8.GetBytes(Csv(1)), "same-etag");
            second.Objects[key] = new HostileS3Server.ServedObject(Encoding.UTF8.GetBytes(Csv(1.2)), "same-etag");
            Xunit.Assert.Equal(first.Objects[key].Size, second.Objects[key].Size);
            // The first endpoint's copy is in the cache already (as a run against it would leave it).
            CachedCopy(first, key, cache, first.Objects[key].Content);
            var expected = rows.Where(r => r.ProductCode == "AmazonBedrock").Sum(r => decimal.Parse(Cost(r, 1.2), System.Globalization.CultureInfo.InvariantCulture));
            return (S3(second, "cur/e/", cache), new Expect { Total = expected, After = _ => Xunit.Assert.Equal(1, second.Gets) });
        }),
    };

    private static TStruct RowGroup(TStruct footer, int index) => ThriftFooter.RowGroupsOf(footer)[index];

    /// <summary>
    /// Makes a row group claim <paramref name="rows"/> rows, consistently in the file's row count (and, with
    /// <paramref name="columnsToo"/>, in every column chunk's value count): only the page headers can then tell.
    /// </summary>
    private static void ClaimRows(TStruct footer, int rowGroup, long rows, bool columnsToo)
    {
        var rg = RowGroup(footer, rowGroup);
        var old = rg.Int(ThriftFooter.RgNumRows);
        rg.SetInt(ThriftFooter.RgNumRows, rows);
        footer.SetInt(ThriftFooter.FileNumRows, footer.Int(ThriftFooter.FileNumRows) - old + rows);
        if (columnsToo)
            foreach (var c in ThriftFooter.ColumnsOf(rg)) c.SetInt(ThriftFooter.CmdNumValues, c.Int(ThriftFooter.CmdNumValues) - old + rows);
    }

    /// <summary>A copy of <paramref name="source"/> with its footer edited.</summary>
    private static string EditFooter(Workspace ws, string source, Action<TStruct> edit)
    {
        var file = ws.Path(Path.GetFileName(source));
        File.Copy(source, file, overwrite: true);
        ThriftFooter.Edit(file, edit);
        return file;
    }

    /// <summary>Puts <paramref name="content"/> (default: the served bytes with one byte flipped) where the cache keeps the object; returns the path.</summary>
    private static string CachedCopy(HostileS3Server server, string key, string cache, byte[]? content = null)
    {
        var served = server.Objects[key];
        var obj = new StoredObject(key, served.Size, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), served.ETag);
        var path = new DownloadCache(cache).PathFor($"s3:{server.Url}|us-east-1:{server.Bucket}", obj);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = (content ?? served.Content).ToArray();
        if (content is null) bytes[^1] ^= 0xFF; // the closing PAR1: a copy that certainly does not parse
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static JsonObject With(this JsonObject request, string name, params string[] values)
    {
        request[name] = new JsonArray(values.Select(v => (JsonNode)v).ToArray());
        return request;
    }
}
