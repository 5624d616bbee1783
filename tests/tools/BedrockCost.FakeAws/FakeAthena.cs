using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;

namespace BedrockCost.FakeAws;

/// <summary>One query as the fake ran it: the SQL received, the SQL DuckDB ran, and how it ended.</summary>
public sealed record AthenaQueryLog(string Id, string Sql, string? DuckDbSql, string State, string? Reason, long Rows);

/// <summary>
/// Amazon Athena on 127.0.0.1 in the documented JSON 1.1 shapes (target prefix AmazonAthena, signing name athena):
/// GetTableMetadata, StartQueryExecution (ClientRequestToken idempotent, WorkGroup, QueryExecutionContext,
/// ResultConfiguration.OutputLocation), GetQueryExecution, GetQueryResults (NextToken pages, the first row of the
/// first page the header), StopQueryExecution. A query is QUEUED at the first status check, RUNNING at the second,
/// and done at the third: it is then EXECUTED with DuckDB over the CUR Parquet files registered under the table's
/// name (a view with the billing_period partition column; "table$partitions" lists the partitions), so results
/// come from the data, not from a script. Queries on a table in <see cref="FailingTables"/> end FAILED with a
/// Hive-style reason; queries on one in <see cref="HangingTables"/> stay RUNNING until stopped.
/// The first request of <see cref="ThrottleOperation"/> is throttled (ThrottlingException).
/// <para>
/// Where Trino and DuckDB differ, the SQL is translated, narrowly and visibly (<see cref="TranslateForDuckDb"/>;
/// the log keeps both texts): element_at(map, key) is map_extract_value in DuckDB (whose element_at returns a
/// list), is_finite is isfinite, the hidden column "$path" is read_parquet's filename, and CAST(double AS DECIMAL)
/// goes through the shortest decimal digits of the double as Trino's does (DuckDB scales the binary value).
/// Nothing else is rewritten.
/// </para>
/// </summary>
public sealed class FakeAthena : JsonProtocolServer
{
    private readonly DuckDBConnection _db;
    private readonly object _gate = new();
    private readonly Dictionary<string, Query> _queries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Database, string Table, List<(string Period, string File, long Size)> Files)> _tables = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Query> _started = new();
    private int _throttled;

    public FakeAthena(string region = "us-east-1") : base("athena", region, "AmazonAthena")
    {
        _db = new DuckDBConnection("DataSource=:memory:");
        _db.Open();
        // CUR timestamps are UTC, and Athena's timestamp type has no zone: DuckDB reads them as TIMESTAMPTZ and must not shift them.
        Execute("SET TimeZone = 'UTC'");
    }

    /// <summary>Rows per GetQueryResults page at most (MaxResults may ask for fewer).</summary>
    public int PageSize { get; init; } = 1000;
    public string? ThrottleOperation { get; init; } = "GetQueryResults";
    /// <summary>A misbehaving service, for the result check: the second page of every result is skipped (its NextToken points past it).</summary>
    public bool SkipSecondPage { get; init; }
    public HashSet<string> FailingTables { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> HangingTables { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Workgroups and their result location (null: none set, so a query must give one).</summary>
    public Dictionary<string, string?> WorkGroups { get; } = new(StringComparer.Ordinal) { ["primary"] = "s3://fake-athena-results/primary/", ["bare"] = null };

    /// <summary>Every query started, in order, as it stands now (QUEUED and RUNNING ones too).</summary>
    public IReadOnlyList<AthenaQueryLog> Queries
    {
        get { lock (_gate) return _started.Select(q => new AthenaQueryLog(q.Id, q.Sql, q.DuckDbSql, q.State, q.Reason, q.Rows.Count)).ToList(); }
    }

    /// <summary>
    /// Registers a CUR 2.0 export folder (EXPORT/data/BILLING_PERIOD=YYYY-MM/*.parquet, overwrite mode) as a table, as the
    /// Cloud Intelligence Dashboards' crawler does: empty leftover chunks are not data (Athena skips zero-byte files), and
    /// files missing an optional column read it as NULL.
    /// </summary>
    public void AddExport(string database, string table, string exportRoot)
    {
        var files = new List<(string, string, long)>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(exportRoot, "data"), "BILLING_PERIOD=*"))
            foreach (var f in Directory.GetFiles(dir, "*.parquet").Order(StringComparer.Ordinal))
                if (new FileInfo(f).Length > 0) files.Add((Path.GetFileName(dir)["BILLING_PERIOD=".Length..], f, new FileInfo(f).Length));
        var list = string.Join(", ", files.Select(f => Quote(f.Item2)));
        lock (_gate)
        {
            Execute($"CREATE SCHEMA IF NOT EXISTS {Id(database)}");
            Execute($"CREATE OR REPLACE VIEW {Id(database)}.{Id(table)} AS SELECT * EXCLUDE (\"BILLING_PERIOD\"), \"BILLING_PERIOD\" AS billing_period " +
                    $"FROM read_parquet([{list}], hive_partitioning = true, hive_types = {{'BILLING_PERIOD': VARCHAR}}, union_by_name = true, filename = true)");
            Execute($"CREATE OR REPLACE VIEW {Id(database)}.{Id(table + "$partitions")} AS SELECT DISTINCT billing_period FROM {Id(database)}.{Id(table)}");
            _tables[$"{database}.{table}"] = (database, table, files);
        }
    }

    protected override JsonNode Answer(string operation, JsonObject input)
    {
        if (operation == ThrottleOperation && Interlocked.Increment(ref _throttled) == 1)
            throw new AwsFault(400, "ThrottlingException", "Rate exceeded");
        lock (_gate)
            return operation switch
            {
                "GetTableMetadata" => GetTableMetadata(input),
                "StartQueryExecution" => Start(input),
                "GetQueryExecution" => Status(input),
                "GetQueryResults" => Results(input),
                "StopQueryExecution" => Stop(input),
                _ => throw new AwsFault(400, "UnknownOperationException", $"Unknown operation {operation}"),
            };
    }

    protected override string? Inspect(string path) =>
        path == "/__queries" ? System.Text.Json.JsonSerializer.Serialize(Queries) : null;

    private JsonNode GetTableMetadata(JsonObject input)
    {
        var database = Required(input, "DatabaseName");
        var table = Required(input, "TableName");
        Required(input, "CatalogName");
        if (!_tables.TryGetValue($"{database}.{table}", out var t))
            throw new AwsFault(400, "MetadataException",
                $"Table {table} not found in database {database} (Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException)");
        var columns = new JsonArray();
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = $"DESCRIBE {Id(t.Database)}.{Id(t.Table)}";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                if (r.GetString(0) is not ("billing_period" or "filename"))
                    columns.Add(new JsonObject { ["Name"] = r.GetString(0), ["Type"] = GlueType(r.GetString(1)) });
        }
        return new JsonObject
        {
            ["TableMetadata"] = new JsonObject
            {
                ["Name"] = t.Table,
                ["TableType"] = "EXTERNAL_TABLE",
                ["Columns"] = columns,
                ["PartitionKeys"] = new JsonArray(new JsonObject { ["Name"] = "billing_period", ["Type"] = "string" }),
            },
        };
    }

    private static string GlueType(string duck) => duck switch
    {
        "VARCHAR" => "string",
        "DOUBLE" => "double",
        "BIGINT" => "bigint",
        "TIMESTAMP WITH TIME ZONE" or "TIMESTAMP" or "TIMESTAMP_MS" => "timestamp",
        var m when m.StartsWith("MAP(VARCHAR, VARCHAR)", StringComparison.Ordinal) => "map<string,string>",
        var m when m.StartsWith("MAP(VARCHAR, DOUBLE)", StringComparison.Ordinal) => "map<string,double>",
        var other => other.ToLowerInvariant(),
    };

    private JsonNode Start(JsonObject input)
    {
        var sql = Required(input, "QueryString");
        var token = Required(input, "ClientRequestToken");
        if (token.Length is < 32 or > 128)
            throw new AwsFault(400, "InvalidRequestException", "ClientRequestToken must be 32 to 128 characters long.");
        var workGroup = input["WorkGroup"]?.GetValue<string>() ?? "primary";
        if (!WorkGroups.TryGetValue(workGroup, out var groupOutput))
            throw new AwsFault(400, "InvalidRequestException", $"WorkGroup {workGroup} is not found.");
        var output = input["ResultConfiguration"]?["OutputLocation"]?.GetValue<string>() ?? groupOutput;
        if (output is null)
            throw new AwsFault(400, "InvalidRequestException",
                "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.");
        if (_tokens.TryGetValue(token, out var existing))
        {
            if (_queries[existing].Sql != sql) throw new AwsFault(400, "InvalidRequestException", "Idempotent parameters do not match");
            return new JsonObject { ["QueryExecutionId"] = existing };
        }
        var id = Guid.NewGuid().ToString();
        _tokens[token] = id;
        _queries[id] = new Query(id, sql, workGroup);
        _started.Add(_queries[id]);
        return new JsonObject { ["QueryExecutionId"] = id };
    }

    private Query Find(JsonObject input)
    {
        var id = Required(input, "QueryExecutionId");
        return _queries.TryGetValue(id, out var q) ? q : throw new AwsFault(400, "InvalidRequestException", $"QueryExecution {id} was not found");
    }

    private JsonNode Status(JsonObject input)
    {
        var q = Find(input);
        q.Polls++;
        if (q.State is "QUEUED" or "RUNNING")
        {
            if (q.Polls == 1) q.State = "QUEUED";
            else if (q.Polls == 2 || Referenced(q.Sql, HangingTables)) q.State = "RUNNING";
            else Run(q);
        }
        var status = new JsonObject { ["State"] = q.State, ["SubmissionDateTime"] = 1.7e9 };
        if (q.Reason is not null)
        {
            status["StateChangeReason"] = q.Reason;
            if (q.State == "FAILED")
                status["AthenaError"] = new JsonObject { ["ErrorCategory"] = 2, ["ErrorType"] = 1004, ["Retryable"] = false, ["ErrorMessage"] = q.Reason };
        }
        return new JsonObject
        {
            ["QueryExecution"] = new JsonObject
            {
                ["QueryExecutionId"] = q.Id,
                ["Query"] = q.Sql,
                ["StatementType"] = "DML",
                ["WorkGroup"] = q.WorkGroup,
                ["Status"] = status,
                ["Statistics"] = new JsonObject { ["DataScannedInBytes"] = q.Scanned, ["EngineExecutionTimeInMillis"] = 42, ["TotalExecutionTimeInMillis"] = 57 },
            },
        };
    }

    private void Run(Query q)
    {
        if (Referenced(q.Sql, FailingTables))
        {
            Finish(q, "FAILED", "HIVE_BAD_DATA: Error parsing field value '1.2.3' for field 17: For input string: \"1.2.3\"");
            return;
        }
        q.DuckDbSql = TranslateForDuckDb(q.Sql);
        try
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = q.DuckDbSql;
            using var r = cmd.ExecuteReader();
            q.Columns = Enumerable.Range(0, r.FieldCount).Select(i => (r.GetName(i), r.GetDataTypeName(i))).ToList();
            while (r.Read())
            {
                var row = new string?[r.FieldCount];
                for (var i = 0; i < r.FieldCount; i++) row[i] = r.IsDBNull(i) ? null : Text(r.GetValue(i));
                q.Rows.Add(row);
            }
            // What Athena would scan: the files of the partitions the statement names (all of them when it names none).
            q.Scanned = _tables.Values.Where(t => q.Sql.Contains(Id(t.Table), StringComparison.Ordinal) || q.Sql.Contains(Id(t.Table + "$partitions"), StringComparison.Ordinal))
                .SelectMany(t => t.Files).Where(f => !q.Sql.Contains("billing_period IN", StringComparison.Ordinal) || q.Sql.Contains($"'{f.Period}'", StringComparison.Ordinal))
                .Sum(f => q.Sql.Contains("$partitions", StringComparison.Ordinal) ? 0 : f.Size);
            Finish(q, "SUCCEEDED", null);
        }
        catch (DbException e)
        {
            Finish(q, "FAILED", "GENERIC_INTERNAL_ERROR: " + e.Message.Split('\n')[0]);
        }
    }

    private static void Finish(Query q, string state, string? reason)
    {
        q.State = state;
        q.Reason = reason;
    }

    private JsonNode Stop(JsonObject input)
    {
        var q = Find(input);
        if (q.State is "QUEUED" or "RUNNING") Finish(q, "CANCELLED", "Query was cancelled by user");
        return new JsonObject();
    }

    private JsonNode Results(JsonObject input)
    {
        var q = Find(input);
        if (q.State != "SUCCEEDED")
            throw new AwsFault(400, "InvalidRequestException", $"Query has not yet finished. Current state: {q.State}");
        var max = input["MaxResults"] is { } m ? m.GetValue<int>() : 1000;
        if (max is < 1 or > 1000) throw new AwsFault(400, "InvalidRequestException", "MaxResults must be between 1 and 1000");
        var size = Math.Min(max, PageSize);
        // Row 0 of the result is the header, as Athena returns it for SELECT statements.
        var all = new List<string?[]> { q.Columns.Select(c => (string?)c.Name).ToArray() };
        all.AddRange(q.Rows);
        var offset = input["NextToken"] is { } t ? int.Parse(t.GetValue<string>()["page-".Length..], CultureInfo.InvariantCulture) : 0;
        var page = all.Skip(offset).Take(size).ToList();
        var rows = new JsonArray(page.Select(r => (JsonNode)new JsonObject
        {
            ["Data"] = new JsonArray(r.Select(v => (JsonNode)(v is null ? new JsonObject() : new JsonObject { ["VarCharValue"] = v })).ToArray()),
        }).ToArray());
        var res = new JsonObject
        {
            ["UpdateCount"] = 0,
            ["ResultSet"] = new JsonObject
            {
                ["Rows"] = rows,
                ["ResultSetMetadata"] = new JsonObject
                {
                    ["ColumnInfo"] = new JsonArray(q.Columns.Select(c => (JsonNode)new JsonObject
                    {
                        ["CatalogName"] = "hive", ["SchemaName"] = "", ["TableName"] = "", ["Name"] = c.Name, ["Label"] = c.Name,
                        ["Type"] = TrinoType(c.Type), ["Precision"] = 0, ["Scale"] = 0, ["Nullable"] = "UNKNOWN", ["CaseSensitive"] = c.Type == "VARCHAR",
                    }).ToArray()),
                },
            },
        };
        var next = offset + size + (SkipSecondPage && offset == 0 ? size : 0);
        if (next < all.Count) res["NextToken"] = $"page-{next}";
        return res;
    }

    private static string TrinoType(string duck) => duck switch
    {
        "VARCHAR" => "varchar",
        "BIGINT" => "bigint",
        "BOOLEAN" => "boolean",
        var d when d.StartsWith("DECIMAL", StringComparison.Ordinal) => "decimal",
        _ => duck.ToLowerInvariant(),
    };

    /// <summary>Values as Athena's VarCharValue spells them.</summary>
    private static string Text(object v) => v switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? string.Empty,
    };

    private static bool Referenced(string sql, IEnumerable<string> tables) => tables.Any(t => sql.Contains(Id(t), StringComparison.Ordinal));

    /// <summary>
    /// The Trino statement as DuckDB must read it (see the class remarks): element_at( becomes map_extract_value(,
    /// is_finite( isfinite(, the identifier "$path" filename, and CAST(x AS DECIMAL(p, s)) becomes
    /// CAST(CAST(x AS VARCHAR) AS DECIMAL(p, s)). String literals and other quoted identifiers are never touched.
    /// </summary>
    public static string TranslateForDuckDb(string sql)
    {
        var text = Replace(Replace(Replace(sql, "element_at(", "map_extract_value("), "is_finite(", "isfinite("), "\"$path\"", "filename");
        // Innermost casts first (scanning from the end), so the positions of the casts before them stay valid.
        var code = CodeMask(text);
        var casts = Enumerable.Range(0, text.Length).Where(i => code[i] && string.Compare(text, i, "CAST(", 0, 5, StringComparison.OrdinalIgnoreCase) == 0 &&
                (i == 0 || !(char.IsLetterOrDigit(text[i - 1]) || text[i - 1] == '_'))).ToList();
        foreach (var start in Enumerable.Reverse(casts))
        {
            var close = MatchingParen(text, start + 4);
            var inner = text[(start + 5)..close];
            var asAt = LastTopLevel(inner, " AS ");
            if (asAt < 0 || !inner[(asAt + 4)..].TrimStart().StartsWith("DECIMAL", StringComparison.OrdinalIgnoreCase)) continue;
            text = text[..start] + $"CAST(CAST({inner[..asAt]} AS VARCHAR) AS {inner[(asAt + 4)..]})" + text[(close + 1)..];
        }
        return text;
    }

    /// <summary>Replaces <paramref name="from"/> where it starts in code: a word, or a whole quoted identifier.</summary>
    private static string Replace(string sql, string from, string to)
    {
        var code = CodeMask(sql);
        var sb = new StringBuilder();
        for (var i = 0; i < sql.Length;)
        {
            var starts = from[0] == '"' ? i == 0 || code[i - 1] : code[i];
            if (starts && string.Compare(sql, i, from, 0, from.Length, StringComparison.OrdinalIgnoreCase) == 0) { sb.Append(to); i += from.Length; }
            else sb.Append(sql[i++]);
        }
        return sb.ToString();
    }

    /// <summary>For each character: true when it is SQL code, false inside a quoted run ('literal' or "identifier", quotes doubled inside).</summary>
    private static bool[] CodeMask(string sql)
    {
        var code = new bool[sql.Length];
        char? quote = null;
        for (var i = 0; i < sql.Length; i++)
        {
            var c = sql[i];
            if (quote is null)
            {
                if (c is '\'' or '"') quote = c;
                else code[i] = true;
            }
            else if (c == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote) i++;
                else quote = null;
            }
        }
        return code;
    }

    private static int MatchingParen(string sql, int open)
    {
        var code = CodeMask(sql);
        var depth = 0;
        for (var i = open; i < sql.Length; i++)
        {
            if (!code[i]) continue;
            depth += sql[i] == '(' ? 1 : sql[i] == ')' ? -1 : 0;
            if (depth == 0) return i;
        }
        throw new InvalidOperationException("unbalanced parentheses");
    }

    private static int LastTopLevel(string text, string word)
    {
        var code = CodeMask(text);
        int depth = 0, found = -1;
        for (var i = 0; i < text.Length; i++)
        {
            if (!code[i]) continue;
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
            if (depth == 0 && string.Compare(text, i, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0) found = i;
        }
        return found;
    }

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string Id(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    private sealed class Query(string id, string sql, string workGroup)
    {
        public string Id { get; } = id;
        public string Sql { get; } = sql;
        public string WorkGroup { get; } = workGroup;
        public string State { get; set; } = "QUEUED";
        public string? Reason { get; set; }
        public int Polls { get; set; }
        public string? DuckDbSql { get; set; }
        public long Scanned { get; set; }
        public List<(string Name, string Type)> Columns { get; set; } = new();
        public List<string?[]> Rows { get; } = new();
    }

    public override void Dispose()
    {
        base.Dispose();
        _db.Dispose();
    }
}
