using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// One error-id table (<see cref="ErrorIds"/>): every id in it is used in src and documented in the ERRORS
/// section of about_BedrockCost, and every id src writes comes from it.
/// </summary>
public class ErrorIdTableTests
{
    private static readonly string Src = Path.Combine(EngineTests.RepoRoot, "src");
    private static readonly string TableFile = Path.Combine(Src, "BedrockCost.Core", "Errors.cs");

    private static IReadOnlyList<(string Name, string Value)> Table() =>
        typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (f.Name, (string)f.GetRawConstantValue()!)).ToList();

    /// <summary>The C# files of src, as text, without comments.</summary>
    private static IReadOnlyList<(string Path, string Code)> Sources() =>
        Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(p => (p, Regex.Replace(File.ReadAllText(p), @"//[^\n]*", string.Empty)))
            .ToList();

    [Fact]
    public void Every_id_is_named_after_itself_and_used_in_src()
    {
        var table = Table();
        Assert.True(table.Count > 40);
        var code = string.Join("\n", Sources().Where(s => s.Path != TableFile).Select(s => s.Code));
        foreach (var (name, value) in table)
        {
            Assert.Equal(name, value);
            Assert.True(Regex.IsMatch(code, $@"\bErrorIds\.{name}\b"), $"ErrorIds.{name} is not used anywhere in src");
        }
    }

    [Fact]
    public void Every_id_src_writes_comes_from_the_table()
    {
        var names = Table().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var sites = 0;
        foreach (var (path, code) in Sources())
        {
            foreach (Match m in Regex.Matches(code, @"\bErrorIds\.(\w+)"))
                Assert.True(names.Contains(m.Groups[1].Value), $"{Path.GetFileName(path)}: ErrorIds.{m.Groups[1].Value} is not in the table");
            // An id is never spelt out as text outside the table.
            if (path != TableFile)
                foreach (Match m in Regex.Matches(code, "\"(\\w+)\""))
                    Assert.False(names.Contains(m.Groups[1].Value), $"{Path.GetFileName(path)}: the id \"{m.Groups[1].Value}\" is written as text, not taken from ErrorIds");
            // The id argument of every error the module builds: an ErrorIds member (or the id of an error built
            // from the table), never a string literal.
            foreach (Match m in Regex.Matches(code, @"new BedrockCostException\(|ErrorRecords\.Create\(|new ErrorRecord\("))
            {
                sites++;
                var args = Arguments(code, m.Index + m.Length);
                var id = m.Value.StartsWith("new ErrorRecord", StringComparison.Ordinal) ? args[1] : args[0];
                Assert.DoesNotContain("\"", id);
                Assert.True(id.Contains("ErrorIds.", StringComparison.Ordinal) || id == "e.ErrorId" || id == "errorId",
                    $"{Path.GetFileName(path)}: an error is built with the id '{id}', not one of ErrorIds");
            }
        }
        Assert.True(sites > 40, $"only {sites} places build errors: the scan is broken");
    }

    [Fact]
    public void The_about_topic_lists_every_id_in_its_error_section_and_nothing_else()
    {
        var text = File.ReadAllText(Path.Combine(EngineTests.RepoRoot, "docs", "en-US", "about_BedrockCost.help.txt")).ReplaceLineEndings("\n");
        var start = text.IndexOf("\nERRORS\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "about_BedrockCost has no ERRORS section");
        var end = Regex.Match(text[(start + 8)..], @"\n[A-Z][A-Z ]+\n").Index + start + 8;
        // An id opens its entry at eight spaces' indentation, followed by what it means.
        var documented = Regex.Matches(text[start..end], @"\n {8}([A-Z][A-Za-z0-9]+)(?= |\n)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(documented.Distinct().Count(), documented.Count);
        Assert.Equal(Table().Select(t => t.Value).Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    /// <summary>The top-level arguments of a call whose '(' ends just before <paramref name="at"/>.</summary>
    private static List<string> Arguments(string code, int at)
    {
        var args = new List<string>();
        var depth = 0;
        var current = new System.Text.StringBuilder();
        var inString = false;
        for (var i = at; i < code.Length; i++)
        {
            var c = code[i];
            if (c == '"' && code[i - 1] != '\\') inString = !inString;
            if (!inString)
            {
                if (c is '(' or '[' or '{') depth++;
                else if (c is ')' or ']' or '}')
                {
                    if (depth == 0) { args.Add(current.ToString().Trim()); return args; }
                    depth--;
                }
                else if (c == ',' && depth == 0) { args.Add(current.ToString().Trim()); current.Clear(); continue; }
            }
            current.Append(c);
        }
        return args;
    }
}
