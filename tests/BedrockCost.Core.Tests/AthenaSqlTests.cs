using System.Diagnostics;
using System.Text.Json;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Sources.Athena;
using BedrockCost.FakeAws;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The generated Trino SQL: every shape the generator can produce parses with a Trino grammar (npm node-sql-parser,
/// dialects trino and athena) and runs on the fake Athena's DuckDB; user values are literals whatever they hold;
/// names are validated; the billing period is a partition predicate.
/// </summary>
public sealed class AthenaSqlTests
{
    internal static readonly AthenaTable Table = AthenaTable.Create(null, AthenaClientTests.Database, AthenaClientTests.Table);

    /// <summary>Tag keys that would break a naively built statement.</summary>
    internal static readonly string[] HostileKeys =
    {
        "iamPrincipal/it's", "iamPrincipal/back\\slash", "iamPrincipal/\"quoted\"", "iamPrincipal/équipe-日本-😀",
        "iamPrincipal/x') OR 1=1 --", "iamPrincipal/%_*?[a]", "iamPrincipal/a\nb", "iamPrincipal/';DROP TABLE cur2;--", "iamPrincipal//* x */",
    };

    /// <summary>
    /// A backslash right before a quote. In Trino a backslash is an ordinary character (SqlBase.g4: STRING : '\'' ( ~'\'' | '\'\'' )* '\''),
    /// so 'x\''' is the value x\'. node-sql-parser 5.4.0's trino and athena grammars read \' as an escaped quote (a MySQL rule) and
    /// reject that valid literal, so this key is checked with Trino's lexical rule (<see cref="TrinoStrings"/>) and run by DuckDB,
    /// which follows the same rule, but not with node-sql-parser.
    /// </summary>
    internal const string BackslashQuoteKey = "iamPrincipal/x\\'";
    internal const string BackslashQuoteShape = "backslash before a quote";

    internal static AthenaTableSchema FullSchema => new(CurColumns.Required.Concat(CurColumns.Optional), new[] { "source_account_id", "report_name", "data", "billing_period" });

    private static AthenaTableSchema Without(params string[] columns) =>
        new(CurColumns.Required.Concat(CurColumns.Optional).Except(columns), new[] { "billing_period" });

    private static AthenaTableSchema Unpartitioned => new(CurColumns.Required.Concat(CurColumns.Optional), Array.Empty<string>());

    /// <summary>Product fields as flat columns too (an export query that selected them), or only so (legacy CUR: no map, no principal, no tags).</summary>
    private static AthenaTableSchema WithProductColumns(bool map) =>
        new(CurColumns.Required.Concat(CurColumns.Optional).Concat(CurColumns.ProductModelColumns)
            .Where(c => map || c is not (CurColumns.Product or CurColumns.IamPrincipal or CurColumns.Tags)), new[] { "billing_period" });

    private static CostQuery Query(string groupBy, bool agentCore = false, DateTime? start = null, DateTime? end = null,
        IReadOnlyDictionary<string, string>? tags = null, string[]? models = null, string[]? accounts = null) => new()
    {
        GroupBy = groupBy.Split(',').Select(g => GroupDimension.Parse(g.Trim())).ToArray(),
        IncludeAgentCore = agentCore,
        StartDate = start,
        EndDate = end,
        Tags = tags ?? new Dictionary<string, string>(),
        Models = models ?? Array.Empty<string>(),
        Accounts = accounts ?? Array.Empty<string>(),
    };

    private static AthenaStatement Costs(CostQuery q, AthenaTableSchema schema, PeriodFilter periods, string table = AthenaClientTests.Table) =>
        AthenaSql.Costs(q, new Aggregator(q).TagKeys, AthenaTable.Create(null, AthenaClientTests.Database, table), schema, periods);

    /// <summary>Every shape: each dimension, filters, AgentCore, dates, period lists and ranges, optional columns absent, no partition.</summary>
    internal static IEnumerable<(string Name, string Sql)> Shapes()
    {
        var may = PeriodFilter.Of(new[] { "2026-05" });
        var both = PeriodFilter.Of(new[] { "2026-06", "2026-05" });
        var groupings = new[]
        {
            "Principal", "PrincipalType", "Person", "Role", "Account", "Model", "TokenType", "Region", "UsageType", "Day", "Month",
            "Model, TokenType", "iamPrincipal/team", "Principal, Model, TokenType, Day, iamPrincipal/team", "Account, Region, Month",
        };
        foreach (var g in groupings) yield return ($"group {g}", Costs(Query(g), FullSchema, may).Sql);
        yield return ("agentcore", Costs(Query("Principal", agentCore: true), FullSchema, both).Sql);
        var from = new DateTime(2026, 5, 10, 0, 0, 0, DateTimeKind.Utc);
        var to = new DateTime(2026, 6, 3, 12, 0, 0, DateTimeKind.Utc);
        yield return ("dates", Costs(Query("Principal, Day", start: from, end: to), FullSchema, PeriodFilter.Overlapping(from, to)).Sql);
        yield return ("start only", Costs(Query("Principal", start: from), FullSchema, PeriodFilter.Overlapping(from, null)).Sql);
        yield return ("end only", Costs(Query("Principal", end: to), FullSchema, PeriodFilter.Overlapping(null, to)).Sql);
        yield return ("filters", Costs(Query("Principal", tags: new Dictionary<string, string> { ["iamPrincipal/team"] = "ml*" },
            models: new[] { "Claude*" }, accounts: new[] { "1111*" }), FullSchema, may).Sql);
        yield return ("hostile tag keys", Costs(Query(string.Join(", ", HostileKeys)), FullSchema, may).Sql);
        yield return (BackslashQuoteShape, Costs(Query(BackslashQuoteKey), FullSchema, may).Sql);
        yield return ("no principal column", Costs(Query("Principal, Model"), Without(CurColumns.IamPrincipal), may).Sql);
        yield return ("no optional columns", Costs(Query("Principal, Model, Region, iamPrincipal/team"), Without(CurColumns.Optional), may).Sql);
        yield return ("no partition", Costs(Query("Principal, Day"), Unpartitioned, both).Sql);
        yield return ("product columns and map", Costs(Query("Model, Principal"), WithProductColumns(map: true), may, "columns").Sql);
        yield return ("product columns only", Costs(Query("Model"), WithProductColumns(map: false), may, "legacy").Sql);
        var withPayer = new AthenaTableSchema(CurColumns.Required.Concat(CurColumns.Optional).Append(CurColumns.PayerAccountId), new[] { "billing_period" });
        yield return ("statement: periods and payers", Costs(Query("BillingPeriod, Principal, Day, iamPrincipal/team") with { IncludeBillingAccounts = true }, withPayer, both).Sql);
        yield return ("latest period", AthenaSql.Periods(Table, FullSchema, null));
        yield return ("wanted periods", AthenaSql.Periods(Table, FullSchema, PeriodFilter.Of(new[] { "2026-05", "2026-07" })));
        yield return ("periods of dates", AthenaSql.Periods(Table, FullSchema, PeriodFilter.Overlapping(from, to)));
        yield return ("periods of dates without partition", AthenaSql.Periods(Table, Unpartitioned, PeriodFilter.Overlapping(from, null)));
        yield return ("latest period without partition", AthenaSql.Periods(Table, Unpartitioned, null));
    }

    [Fact]
    public void The_billing_period_is_a_partition_predicate_and_the_table_is_quoted()
    {
        var sql = Costs(Query("Principal"), FullSchema, PeriodFilter.Of(new[] { "2026-06", "2026-05" })).Sql;
        Assert.Contains("WHERE billing_period IN ('2026-05', '2026-06')", sql);
        Assert.Contains("FROM \"cid_data_export\".\"cur2\"", sql);
        var (from, to) = (new DateTime(2026, 4, 30, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        var range = Costs(Query("Principal", start: from, end: to), FullSchema, PeriodFilter.Overlapping(from, to)).Sql;
        Assert.Contains("billing_period >= '2026-04' AND billing_period <= '2026-05'", range);
        Assert.Contains("line_item_usage_start_date >= TIMESTAMP '2026-04-30 00:00:00.000'", range);
        Assert.Contains("line_item_usage_start_date < TIMESTAMP '2026-06-01 00:00:00.000'", range);
    }

    [Fact]
    public void Filters_are_left_to_the_engine_but_their_columns_are_grouped()
    {
        var q = Query("Principal", tags: new Dictionary<string, string> { ["iamPrincipal/team"] = "ml" }, models: new[] { "Claude*" }, accounts: new[] { "111111111111" });
        var s = Costs(q, FullSchema, PeriodFilter.Of(new[] { "2026-05" }));
        Assert.DoesNotContain("'ml'", s.Sql);
        Assert.DoesNotContain("Claude", s.Sql);
        Assert.DoesNotContain("111111111111", s.Sql);
        Assert.Contains(AthenaSql.TagColumn(0), s.Columns);
        Assert.All(AthenaSql.ProductFieldColumns, c => Assert.Contains(c, s.Columns));
        Assert.Contains(AthenaSql.Account, s.Columns);
    }

    [Fact]
    public void Names_outside_Glues_characters_are_refused_before_any_SQL()
    {
        foreach (var bad in new[] { "cur2\"; DROP TABLE x; --", "a b", "", "x.y", new string('a', 256) })
        {
            var e = Assert.Throws<BedrockCostException>(() => AthenaTable.Create(null, "cid_data_export", bad));
            Assert.Equal(ErrorIds.AthenaInvalidParameter, e.ErrorId);
        }
        Assert.Equal("\"my-db_2\".\"Cur-2\"", AthenaTable.Create("AwsDataCatalog", "my-db_2", "Cur-2").From);
    }

    [Fact]
    public void Literals_double_quotes_keep_backslashes_and_unicode_and_refuse_NUL()
    {
        Assert.Equal("'it''s'", SqlText.Literal("it's"));
        Assert.Equal(@"'a\b\'''", SqlText.Literal(@"a\b\'"));
        Assert.Equal("'équipe 😀'", SqlText.Literal("équipe 😀"));
        Assert.Equal(ErrorIds.AthenaInvalidParameter, Assert.Throws<BedrockCostException>(() => SqlText.Literal("a\0b")).ErrorId);
    }

    [Fact]
    public async Task Every_shape_runs_on_DuckDB_and_hostile_tag_keys_stay_values()
    {
        using var fake = new FakeAthena();
        fake.AddExport(AthenaClientTests.Database, AthenaClientTests.Table, EngineTests.SamplePath);
        var temp = Directory.CreateTempSubdirectory("bedrockcost-shapes-").FullName;
        fake.AddExport(AthenaClientTests.Database, "columns", AthenaSourceTests.WriteProductColumnsExport(Path.Combine(temp, "columns"), legacy: false));
        fake.AddExport(AthenaClientTests.Database, "legacy", AthenaSourceTests.WriteProductColumnsExport(Path.Combine(temp, "legacy"), legacy: true));
        fake.Start();
        using var client = AthenaClientTests.Client(fake);
        try
        {
            foreach (var (name, sql) in Shapes())
            {
                var e = await client.ExecuteAsync(sql, AthenaClientTests.Settings(), NullOperationContext.Instance, default);
                Assert.True(e.QueryId.Length > 0, name);
            }
        }
        finally { Directory.Delete(temp, recursive: true); }
        // A hostile key is looked up as the key it is: no row holds it, so every tag column is NULL and the grouping is that of no tag
        // (Person, Role and PrincipalType group by the same raw columns as Principal, so those shapes share one statement).
        var q = fake.Queries.Single(x => x.Sql.Contains("it''s"));
        var plain = fake.Queries.First(x => x.Sql == Costs(Query("Principal"), FullSchema, PeriodFilter.Of(new[] { "2026-05" })).Sql);
        Assert.Equal("SUCCEEDED", q.State);
        Assert.True(q.Rows > 0);
        Assert.Equal(fake.Queries.First(x => x.Sql == Costs(Query("UsageType"), FullSchema, PeriodFilter.Of(new[] { "2026-05" })).Sql).Rows, q.Rows);
        Assert.True(plain.Rows > 0);
    }

    [Fact]
    public void The_fake_translates_only_element_at_is_finite_path_and_decimal_casts_and_never_inside_literals()
    {
        var sql = "SELECT element_at(tags, 'element_at(x) CAST(y AS DECIMAL(3, 1)) \"$path\" is_finite('), SUM(CAST(COALESCE(a, 0) AS DECIMAL(38, 28))), BROADCAST(b), CAST(c AS VARCHAR), " +
                  "is_finite(d), \"$path\" AS f, \"x$path\" FROM \"element_at(\"";
        Assert.Equal("SELECT map_extract_value(tags, 'element_at(x) CAST(y AS DECIMAL(3, 1)) \"$path\" is_finite('), SUM(CAST(CAST(COALESCE(a, 0) AS VARCHAR) AS DECIMAL(38, 28))), BROADCAST(b), CAST(c AS VARCHAR), " +
                     "isfinite(d), filename AS f, \"x$path\" FROM \"element_at(\"",
            FakeAthena.TranslateForDuckDb(sql));
    }

    /// <summary>The string literals of a statement by Trino's lexical rules ('' inside a literal; "..." identifiers apart); fails on a comment outside them.</summary>
    internal static List<string> TrinoStrings(string sql)
    {
        var literals = new List<string>();
        for (var i = 0; i < sql.Length;)
        {
            var c = sql[i];
            if (c is '\'' or '"')
            {
                var sb = new System.Text.StringBuilder();
                for (i++; ; i++)
                {
                    Assert.True(i < sql.Length, "unterminated quoted text");
                    if (sql[i] == c)
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == c) { sb.Append(c); i++; continue; }
                        i++;
                        break;
                    }
                    sb.Append(sql[i]);
                }
                if (c == '\'') literals.Add(sb.ToString());
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-') Assert.Fail("a -- comment outside a literal");
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*') Assert.Fail("a /* comment outside a literal");
            else i++;
        }
        return literals;
    }

    [Fact]
    public void By_Trinos_lexical_rule_every_user_value_is_one_literal_holding_exactly_that_value()
    {
        foreach (var (_, sql) in Shapes()) TrinoStrings(sql); // every shape: literals terminated, no comment outside them
        var keys = HostileKeys.Append(BackslashQuoteKey).ToArray();
        var hostile = Costs(Query(string.Join(", ", keys)), FullSchema, PeriodFilter.Of(new[] { "2026-05" })).Sql;
        var literals = TrinoStrings(hostile);
        foreach (var key in keys) Assert.Contains(key, literals);
        // Outside the literals the statement is the one made with plain keys: nothing of a value leaked into the code.
        var plain = Costs(Query(string.Join(", ", keys.Select((_, i) => $"iamPrincipal/k{i}"))), FullSchema, PeriodFilter.Of(new[] { "2026-05" })).Sql;
        Assert.Equal(Code(plain), Code(hostile));

        static string Code(string sql) => System.Text.RegularExpressions.Regex.Replace(sql, "'(?:[^']|'')*'", "?");
    }

    [Fact]
    public void Every_shape_parses_with_node_sql_parsers_trino_and_athena_grammars()
    {
        var repo = EngineTests.RepoRoot;
        var parser = Path.Combine(repo, "tests", "tools", "node", "node_modules", "node-sql-parser", "package.json");
        Assert.True(File.Exists(parser), $"node-sql-parser is not installed: run tests/tools/Install-TestPrerequisites.ps1 (looked for {parser}).");
        var shapes = Shapes().Where(s => s.Name != BackslashQuoteShape).Select(s => new { name = s.Name, sql = s.Sql }).ToList();
        var input = Path.Combine(Path.GetTempPath(), $"bedrockcost-sql-{Guid.NewGuid():N}.json");
        File.WriteAllText(input, JsonSerializer.Serialize(new { shapes, literals = HostileKeys }));
        try
        {
            var psi = new ProcessStartInfo("node", new[] { Path.Combine(repo, "tests", "tools", "node", "check-sql.js"), input })
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var node = Process.Start(psi)!;
            var stdout = node.StandardOutput.ReadToEnd();
            var stderr = node.StandardError.ReadToEnd();
            node.WaitForExit();
            Assert.True(node.ExitCode == 0, $"node-sql-parser rejected generated SQL:\n{stdout}\n{stderr}");
            using var report = JsonDocument.Parse(stdout);
            // Both grammars parsed every shape, and every hostile key came back from the parse as the same string value.
            Assert.Equal(shapes.Count * 2, report.RootElement.GetProperty("parsed").GetInt32());
            Assert.Equal(HostileKeys.Order(StringComparer.Ordinal), report.RootElement.GetProperty("literals").EnumerateArray().Select(x => x.GetString()!).Order(StringComparer.Ordinal));
        }
        finally { File.Delete(input); }
    }
}
