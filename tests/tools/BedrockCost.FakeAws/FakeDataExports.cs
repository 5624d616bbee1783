using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;

namespace BedrockCost.FakeAws;

/// <summary>
/// AWS Data Exports (bcm-data-exports, JSON 1.1, target prefix AWSBillingAndCostManagementDataExports, signed for
/// us-east-1) on 127.0.0.1: CreateExport checks the request against the API's shape (botocore's
/// bcm-data-exports 2023-11-26 model: Export.Name pattern, DataQuery.QueryStatement, TableConfigurations,
/// DestinationConfigurations.S3Destination with S3Bucket, S3Prefix, S3Region and S3OutputConfigurations
/// Compression/Format/OutputType/Overwrite, RefreshCadence.Frequency), and the statement against the SQL subset the
/// Data Exports user guide documents ("Data query": SELECT with column or column.attribute [AS alias], FROM, WHERE
/// with =, !=, &lt;&gt;, &lt;, &lt;=, &gt;, &gt;=, AND, OR, NOT, IN and parentheses, LIMIT; single-quoted strings):
/// anything else is a ValidationException, as is a bucket in <see cref="UnwritableBuckets"/> (the bucket policy
/// does not let billing write). With <see cref="SourceExport"/> and <see cref="DeliveryRoot"/> set, a created
/// export is also delivered: the statement runs with DuckDB over the source export's files, period by period, and
/// the result is written as Parquet in the CUR 2.0 layout (DeliveryRoot/prefix/name/data/BILLING_PERIOD=...).
/// </summary>
public sealed class FakeDataExports : JsonProtocolServer
{
    public const string Account = "123456789012";
    private readonly Dictionary<string, JsonObject> _exports = new(StringComparer.Ordinal);

    public FakeDataExports() : base("bcm-data-exports", "us-east-1", "AWSBillingAndCostManagementDataExports") { }

    public HashSet<string> UnwritableBuckets { get; } = new(StringComparer.Ordinal);
    public string? SourceExport { get; init; }
    public string? DeliveryRoot { get; init; }

    public IReadOnlyDictionary<string, JsonObject> Exports { get { lock (_exports) return new Dictionary<string, JsonObject>(_exports); } }

    protected override string? Inspect(string path) =>
        path == "/__exports" ? new JsonArray(Exports.Values.Select(e => e.DeepClone()).ToArray()).ToJsonString() : null;

    protected override JsonNode Answer(string operation, JsonObject input) => operation switch
    {
        "CreateExport" => Create(input),
        _ => throw new AwsFault(400, "ValidationException", $"The fake serves CreateExport only, not {operation}."),
    };

    private JsonNode Create(JsonObject input)
    {
        var export = input["Export"] as JsonObject ?? throw Invalid("Export is required.");
        var name = Required(export, "Name");
        if (name.Length > 128 || !Regex.IsMatch(name, @"^[0-9A-Za-z!\-_.*'()]+$")) throw Invalid($"Export name '{name}' does not match the pattern.");
        var query = export["DataQuery"] as JsonObject ?? throw Invalid("DataQuery is required.");
        var statement = Required(query, "QueryStatement");
        if (statement.Length > 36000) throw Invalid("QueryStatement is longer than 36,000 characters.");
        var table = DataExportsSql.Check(statement);
        if (query["TableConfigurations"] is JsonObject configs && configs.Any(c => c.Key != table))
            throw Invalid($"TableConfigurations name a table the statement does not query.");
        var s3 = export["DestinationConfigurations"]?["S3Destination"] as JsonObject ?? throw Invalid("DestinationConfigurations.S3Destination is required.");
        var bucket = Required(s3, "S3Bucket");
        Required(s3, "S3Region");
        if (s3["S3Prefix"] is null) throw Invalid("S3Prefix is required.");
        var output = s3["S3OutputConfigurations"] as JsonObject ?? throw Invalid("S3OutputConfigurations is required.");
        Enum(output, "Compression", "GZIP", "PARQUET");
        Enum(output, "Format", "TEXT_OR_CSV", "PARQUET");
        Enum(output, "OutputType", "CUSTOM");
        Enum(output, "Overwrite", "CREATE_NEW_REPORT", "OVERWRITE_REPORT");
        var cadence = export["RefreshCadence"] as JsonObject ?? throw Invalid("RefreshCadence is required.");
        Enum(cadence, "Frequency", "SYNCHRONOUS");
        if (UnwritableBuckets.Contains(bucket))
            throw Invalid($"Failed to write to the S3 bucket {bucket}: the bucket policy does not allow the Data Exports service " +
                          "(bcm-data-exports.amazonaws.com) to write to it. Update the bucket policy and try again.");
        lock (_exports)
        {
            if (_exports.ContainsKey(name)) throw Invalid($"An export named {name} already exists.");
            var arn = $"arn:aws:bcm-data-exports:us-east-1:{Account}:export/{name}-{Guid.NewGuid()}";
            var stored = (JsonObject)export.DeepClone();
            stored["ExportArn"] = arn;
            _exports[name] = stored;
            if (SourceExport is not null && DeliveryRoot is not null) Deliver(statement, table, (string)s3["S3Prefix"]!, name);
            return new JsonObject { ["ExportArn"] = arn };
        }
    }

    /// <summary>Runs the statement over the source export, period by period, as Data Exports would deliver it.</summary>
    private void Deliver(string statement, string table, string prefix, string name)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        void Run(string sql) { using var c = db.CreateCommand(); c.CommandText = sql; c.ExecuteNonQuery(); }
        Run("SET TimeZone = 'UTC'");
        foreach (var dir in Directory.GetDirectories(Path.Combine(SourceExport!, "data"), "BILLING_PERIOD=*"))
        {
            var files = Directory.GetFiles(dir, "*.parquet").Where(f => new FileInfo(f).Length > 0).ToList();
            if (files.Count == 0) continue;
            var target = Path.Combine(DeliveryRoot!, prefix, name, "data", Path.GetFileName(dir));
            Directory.CreateDirectory(target);
            Run($"CREATE OR REPLACE VIEW \"{table}\" AS SELECT * FROM read_parquet([{string.Join(", ", files.Select(f => $"'{f.Replace("'", "''")}'"))}], union_by_name = true)");
            Run($"COPY ({statement}) TO '{Path.Combine(target, name + "-00001.snappy.parquet").Replace("'", "''")}' (FORMAT parquet, COMPRESSION snappy)");
        }
    }

    private static void Enum(JsonObject o, string member, params string[] allowed)
    {
        var value = Required(o, member);
        if (!allowed.Contains(value)) throw Invalid($"{member} '{value}' is not one of {string.Join(", ", allowed)}.");
    }

    private static AwsFault Invalid(string message) => new(400, "ValidationException", message);
}

/// <summary>The Data Exports SQL subset of the user guide's "Data query" page, as a parser that accepts nothing more.</summary>
public static class DataExportsSql
{
    private static readonly string[] Operators = { "<=", ">=", "<>", "!=", "=", "<", ">" };
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase) { "SELECT", "AS", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIMIT" };

    /// <summary>Checks a statement; returns the table it selects from, or throws a ValidationException naming what is not allowed.</summary>
    public static string Check(string statement)
    {
        var p = new Parser(Tokenize(statement));
        p.Keyword("SELECT");
        do
        {
            p.Name();
            if (p.TryPunct(".")) p.Name();
            if (p.TryKeyword("AS")) p.Name();
        } while (p.TryPunct(","));
        p.Keyword("FROM");
        var table = p.Name();
        if (p.TryKeyword("WHERE")) p.Condition();
        if (p.TryKeyword("LIMIT")) p.Number();
        p.End();
        return table;
    }

    private sealed record Token(string Kind, string Text);

    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '\'')
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= s.Length) throw Invalid("an unterminated string");
                    if (s[i] == '\'') { if (i + 1 < s.Length && s[i + 1] == '\'') { sb.Append('\''); i += 2; continue; } i++; break; }
                    sb.Append(s[i++]);
                }
                tokens.Add(new Token("string", sb.ToString()));
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
                var word = s[start..i];
                tokens.Add(new Token(Keywords.Contains(word) ? "keyword" : "name", word));
                continue;
            }
            if (char.IsDigit(c))
            {
                var start = i;
                while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
                tokens.Add(new Token("number", s[start..i]));
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(s, i, o, 0, o.Length) == 0);
            if (op is not null) { tokens.Add(new Token("op", op)); i += op.Length; continue; }
            if (c is '(' or ')' or ',' or '.') { tokens.Add(new Token("punct", c.ToString())); i++; continue; }
            throw Invalid($"the character '{c}', which Data Exports SQL does not document");
        }
        return tokens;
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _i;
        private Token? Peek => _i < tokens.Count ? tokens[_i] : null;

        public void Keyword(string k) { if (!TryKeyword(k)) throw Invalid($"{k} expected, found {Describe()}"); }
        public bool TryKeyword(string k) { if (Peek is { Kind: "keyword" } t && t.Text.Equals(k, StringComparison.OrdinalIgnoreCase)) { _i++; return true; } return false; }
        public bool TryPunct(string p) { if (Peek is { Kind: "punct" } t && t.Text == p) { _i++; return true; } return false; }
        public string Name() => Peek is { Kind: "name" } t ? tokens[_i++].Text : throw Invalid($"a column or table name expected, found {Describe()}");
        public void Number() { if (Peek is not { Kind: "number" }) throw Invalid($"a number expected, found {Describe()}"); _i++; }
        public void End() { if (Peek is not null) throw Invalid($"unexpected {Describe()}"); }

        public void Condition()
        {
            Term();
            while (TryKeyword("OR")) Term();
        }

        private void Term()
        {
            Factor();
            while (TryKeyword("AND")) Factor();
        }

        private void Factor()
        {
            if (TryKeyword("NOT")) { Factor(); return; }
            if (TryPunct("(")) { Condition(); if (!TryPunct(")")) throw Invalid($"')' expected, found {Describe()}"); return; }
            Name();
            if (TryPunct(".")) Name();
            if (TryKeyword("IN"))
            {
                if (!TryPunct("(")) throw Invalid("'(' expected after IN");
                do Value(); while (TryPunct(","));
                if (!TryPunct(")")) throw Invalid($"')' expected, found {Describe()}");
                return;
            }
            if (Peek is not { Kind: "op" }) throw Invalid($"a documented operator (=, !=, <>, <, <=, >, >=, IN) expected, found {Describe()}");
            _i++;
            Value();
        }

        private void Value()
        {
            if (Peek is { Kind: "string" or "number" }) { _i++; return; }
            throw Invalid($"a quoted string or a number expected, found {Describe()}");
        }

        private string Describe() => Peek is { } t ? $"{t.Kind} '{t.Text}'" : "the end of the statement";
    }

    private static AwsFault Invalid(string what) =>
        new(400, "ValidationException", $"The QueryStatement is not valid Data Exports SQL: {what}.");
}
