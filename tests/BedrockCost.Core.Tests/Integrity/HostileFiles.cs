using System.Globalization;
using System.IO.Compression;
using System.Text;
using BedrockCost.TestData;
using LineItem = BedrockCost.TestData.LineItem;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>
/// Inputs the hostile corpus makes for itself: copies of the sample export with their manifests or footers
/// edited, small CUR files (Parquet by Parquet.Net and by DuckDB, CSV, gzip) holding chosen costs, and the
/// values every case's truth is computed from.
/// </summary>
internal static class HostileFiles
{
    public static readonly DateTime May = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
    public const string Principal = "arn:aws:iam::111122223333:user/alice";

    /// <summary>The sample export's first data file of 2026-05 (several row groups; its truth is DuckDB's, <see cref="Truth"/>).</summary>
    public static string SampleFile(int chunk = 1, string period = "2026-05") =>
        Path.Combine(EngineTests.SamplePath, "data", $"BILLING_PERIOD={period}", $"bedrock-cur-{chunk:D5}.snappy.parquet");

    /// <summary>A copy of the sample export under <paramref name="dir"/>/bedrock-cur; returns the copy's root.</summary>
    public static string CopySample(string dir)
    {
        var root = Path.Combine(dir, "bedrock-cur");
        foreach (var f in Directory.EnumerateFiles(EngineTests.SamplePath, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(root, Path.GetRelativePath(EngineTests.SamplePath, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return root;
    }

    /// <summary>Writes the manifest of a copied export's period listing <paramref name="dataFiles"/> (s3:// URIs, as AWS writes them).</summary>
    public static void WriteManifest(string exportRoot, string period, IEnumerable<string> dataFiles, string? raw = null)
    {
        var path = Path.Combine(exportRoot, "metadata", $"BILLING_PERIOD={period}", "bedrock-cur-Manifest.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, raw ?? System.Text.Json.JsonSerializer.Serialize(new
        {
            executionId = "00000000-0000-0000-0000-000000000001",
            exportName = "bedrock-cur",
            billingPeriod = period,
            dataFiles = dataFiles.ToArray(),
        }));
    }

    public static string Uri(string relative) => $"s3://example-cur-bucket/cur/bedrock-cur/{relative}";

    /// <summary>A Bedrock token line item of May 2026 with the given cost (and the same net cost).</summary>
    public static LineItem Bedrock(int i, double cost, double? net = null, double usage = 10) => new()
    {
        BillingPeriodStart = May,
        UsageAccountId = "111122223333",
        UsageStart = May.AddHours(i),
        UsageEnd = May.AddHours(i + 1),
        ProductCode = "AmazonBedrock",
        UsageType = "USE1-Claude4.6Sonnet-input-tokens",
        PricingUnit = "1K tokens",
        UsageAmount = usage,
        UnblendedCost = cost,
        // A NaN net cost would not equal itself, which the generator reads as a discount it cannot price: no net cell then.
        NetUnblendedCost = net ?? (double.IsFinite(cost) ? cost : null),
        IamPrincipal = Principal,
        ProductFamily = "Amazon Bedrock",
        ProductRegionCode = "us-east-1",
        LineItemId = $"li-{i:D6}",
    };

    /// <summary>An EC2 line item (not Bedrock): what it costs never reaches a Bedrock total, even when it is not a number.</summary>
    public static LineItem Ec2(int i, double cost) => Bedrock(i, cost) with
    {
        ProductCode = "AmazonEC2",
        UsageType = "USE1-BoxUsage:m7i.large",
        PricingUnit = "Hrs",
        UsageAmount = 1,
        IamPrincipal = null,
        ProductFamily = "Compute Instance",
        ProductRegionCode = null,
        LineItemId = $"ec2-{i:D6}",
    };

    /// <summary>
    /// 60 Bedrock rows costing 0.125 to 7.5 (exact in binary and decimal; whole 1 to 60 with <paramref name="whole"/>,
    /// which a sum near 7E+28 still holds exactly) and 20 EC2 rows, with <paramref name="hostile"/> replacing the
    /// costs of the Bedrock rows at the given indexes. Returns the rows and the sum of the others.
    /// </summary>
    public static (List<LineItem> Rows, decimal CleanTotal) Rows(IReadOnlyDictionary<int, double>? hostile = null, double ec2Cost = 1.0, bool whole = false)
    {
        var rows = new List<LineItem>();
        var clean = 0m;
        for (var i = 0; i < 60; i++)
        {
            var cost = whole ? i + 1 : 0.125 * (i + 1);
            if (hostile is not null && hostile.TryGetValue(i, out var h)) cost = h;
            else clean += (decimal)cost;
            rows.Add(Bedrock(i, cost));
            if (i % 3 == 0) rows.Add(Ec2(i, ec2Cost));
        }
        return (rows, clean);
    }

    public static async Task<string> ParquetAsync(string path, IEnumerable<LineItem> rows, int rowGroupSize = 25)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await CurParquetWriter.WriteAsync(path, rows, rowGroupSize);
        return path;
    }

    /// <summary>The same file rewritten by DuckDB (a writer this project did not write), at <paramref name="to"/>.</summary>
    public static string ByDuckDb(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        DuckDbWriter.Rewrite(from, to, "ROW_GROUP_SIZE 30");
        return to;
    }

    /// <summary>CUR CSV text: a header of the CUR 2.0 columns and one line per row, costs written as given (any text).</summary>
    public static string CsvText(IEnumerable<(LineItem Row, string? CostText)> rows)
    {
        var tmp = Path.GetTempFileName();
        try
        {
            var list = rows.ToList();
            // The generator writes real CUR CSV; the cost cell of chosen rows is then replaced by the text given.
            CurCsvWriter.WriteGzipAsync(tmp, list.Select(r => r.Row)).GetAwaiter().GetResult();
            using var gz = new GZipStream(File.OpenRead(tmp), CompressionMode.Decompress);
            var lines = new StreamReader(gz).ReadToEnd().Split('\n');
            var header = lines[0].Split(',');
            var column = Array.IndexOf(header, "line_item_unblended_cost");
            var net = Array.IndexOf(header, "line_item_net_unblended_cost");
            var sb = new StringBuilder(lines[0]).Append('\n');
            for (var i = 0; i < list.Count; i++)
            {
                var line = lines[i + 1];
                if (list[i].CostText is { } text)
                {
                    var cells = SplitCsv(line);
                    cells[column] = text;
                    cells[net] = text;
                    line = string.Join(',', cells);
                }
                sb.Append(line).Append('\n');
            }
            return sb.ToString();
        }
        finally { File.Delete(tmp); }
    }

    /// <summary>Splits a CSV line into its raw cells (quotes kept).</summary>
    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"') quoted = !quoted;
            if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); continue; }
            cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }

    public static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    /// <summary>
    /// Gzip of <paramref name="text"/> flushed at the end of line <paramref name="lines"/>, and the length of the
    /// compressed data up to that flush: a file cut there decompresses to whole lines, exactly.
    /// </summary>
    public static (byte[] Gzip, int CutAtLineEnd) GzipWithFlush(string text, int lines)
    {
        var at = 0;
        for (var i = 0; i < lines; i++) at = text.IndexOf('\n', at) + 1;
        using var ms = new MemoryStream();
        int cut;
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(text[..at]));
            gz.Flush(); // a sync flush: every byte so far is decodable from what was written
            cut = (int)ms.Length;
            gz.Write(Encoding.UTF8.GetBytes(text[at..]));
        }
        return (ms.ToArray(), cut);
    }

    public static string Text(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
