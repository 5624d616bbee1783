namespace BedrockCost.TestData;

/// <summary>What a benchmark month wrote.</summary>
public sealed record BenchExportResult(PeriodResult Period, ExpectedTotals Expected, long Bytes);

/// <summary>
/// One synthetic CUR 2.0 month for benchmarks (~5% Bedrock rows, the rest a real-looking fleet's, <see cref="SyntheticData"/>): <c>files</c> chunk
/// files written in parallel, row groups of <c>rowGroupSize</c>, and DIR/expected.json computed on the fly.
/// Deterministic: the same arguments give the same rows.
/// </summary>
public static class BenchExport
{
    public const string ExportName = "bench-cur";
    public const int Seed = 42;

    public static async Task<BenchExportResult> WriteAsync(string outDir, long rows, int files, int rowGroupSize, DateTime period,
        ExportFormat format = ExportFormat.Parquet, CancellationToken ct = default)
    {
        files = Math.Max(1, files);
        var o = new ExportOptions
        {
            Root = outDir, ExportName = ExportName, RowGroupSize = rowGroupSize, Format = format,
            MaxParallelism = Environment.ProcessorCount,
        };
        var accs = Enumerable.Range(0, files).Select(_ => new ExpectedTotals()).ToArray();
        var chunks = Enumerable.Range(0, files)
            .Select(c => Tap(SyntheticData.Chunk(period, Seed, c, rows / files + (c < rows % files ? 1 : 0), monthRows: rows), accs[c])).ToList();
        var res = await ExportWriter.WritePeriodAsync(o, period,
            [new ExportExecution(period.AddMonths(1).AddDays(1).AddHours(6), DeterministicGuid.From($"bench/{period:yyyy-MM}").ToString(), chunks)],
            ct: ct);
        var expected = new ExpectedTotals();
        foreach (var acc in accs) expected.Merge(acc);
        await File.WriteAllTextAsync(Path.Combine(outDir, "expected.json"), expected.ToJson("bench"), ct);
        return new BenchExportResult(res, expected, res.DataFiles.Sum(f => new FileInfo(f).Length));
    }

    static IEnumerable<LineItem> Tap(IEnumerable<LineItem> rows, ExpectedTotals acc)
    {
        foreach (var r in rows) { acc.Add(r); yield return r; }
    }
}
