using BedrockCost.Core;
using BedrockCost.Core.Allocation;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>Loading mapping files: both formats, and a stable error id for each kind of bad file.</summary>
public sealed class ChargebackMappingFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrockcost-mapping-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Csv_file_loads_in_file_order_with_comments_bom_and_semicolons()
    {
        var path = File("map.csv", "\uFEFF# cost centres\nPattern;Match;CostCenter;Owner;MonthlyBudget\n*:user/a;Principal;CC-1;Ann;1500.50\nData*;Role;CC-2;;\n");
        var m = CostCenterMapping.Load(path);
        Assert.Equal(2, m.Rules.Count);
        Assert.Equal(("CC-1", MappingMatch.Principal, 1500.50m), (m.Rules[0].CostCenter, m.Rules[0].Match, m.Rules[0].MonthlyBudget!.Value));
        Assert.Equal(MappingMatch.Role, m.Rules[1].Match);
        Assert.Equal("Ann", m.OwnerOf("CC-1"));
        Assert.Null(m.OwnerOf("CC-2"));
        Assert.Equal("CC-2", m.Find("arn:aws:sts::1:assumed-role/DataScience/x", "DataScience", "x")!.CostCenter);
    }

    [Fact]
    public void Json_file_loads_as_an_array()
    {
        var path = File("map.json", """[ { "Pattern": "*", "CostCenter": "CC-9", "MonthlyBudget": "10" } ]""");
        var m = CostCenterMapping.Load(path);
        Assert.Equal(10m, m.MonthlyBudgetOf("CC-9"));
    }

    [Fact]
    public void Missing_file_is_MappingFileNotFound()
    {
        var e = Assert.Throws<BedrockCostException>(() => CostCenterMapping.Load(Path.Combine(_dir, "nope.csv")));
        Assert.Equal(ErrorIds.MappingFileNotFound, e.ErrorId);
        Assert.Equal(ErrorKind.NotFound, e.Kind);
    }

    [Theory]
    [InlineData("m.csv", "Principal,Team\nx,y\n")]
    [InlineData("m.json", "{ \"rules\": [ { \"pattern\": \"*\", ")]
    [InlineData("m.json", "{ \"pattern\": \"*\", \"costCenter\": \"x\" }")]
    public void Unusable_file_is_MappingFileInvalid(string name, string text)
    {
        var e = Assert.Throws<BedrockCostException>(() => CostCenterMapping.Load(File(name, text)));
        Assert.Equal(ErrorIds.MappingFileInvalid, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
    }

    [Theory]
    [InlineData("Pattern,CostCenter\n,CC\n", "Rule 1", "no Pattern")]
    [InlineData("Pattern,CostCenter\n*,CC\nx,\n", "Rule 2", "no CostCenter")]
    [InlineData("Pattern,Match,CostCenter\n*,Account,CC\n", "Rule 1", "Match 'Account'")]
    [InlineData("Pattern,CostCenter,MonthlyBudget\n*,CC,ten\n", "Rule 1", "MonthlyBudget 'ten'")]
    [InlineData("Pattern,CostCenter,MonthlyBudget\n*,CC,-5\n", "Rule 1", "MonthlyBudget '-5'")]
    public void Bad_rule_is_MappingRuleInvalid_and_names_the_rule(string text, string rule, string why)
    {
        var e = Assert.Throws<BedrockCostException>(() => CostCenterMapping.Load(File("m.csv", text)));
        Assert.Equal(ErrorIds.MappingRuleInvalid, e.ErrorId);
        Assert.Contains(rule, e.Message);
        Assert.Contains(why, e.Message);
    }
}
