using BedrockCost.Core;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Reports;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>Atomic report files and the HTML writer's guarantees.</summary>
public sealed class ChargebackReportFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrockcost-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<Stream, CancellationToken, Task> Bytes(string text) =>
        (s, ct) => s.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).AsTask();

    private static async Task FailMidway(Stream s, CancellationToken ct)
    {
        await s.WriteAsync(new byte[100_000], ct);
        await s.FlushAsync(ct);
        throw new IOException("disk full (simulated)");
    }

    [Fact]
    public async Task A_failure_mid_write_leaves_no_file_behind()
    {
        var target = Path.Combine(_dir, "report.html");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => AtomicFile.WriteAsync(target, FailMidway, overwrite: false, CancellationToken.None));
        Assert.Equal(ErrorIds.OutputWriteFailed, e.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_cancel_after_the_content_is_written_leaves_no_file_behind()
    {
        // Held once the temporary file is written, before the rename: the cancel lands there, whatever the timing.
        var target = Path.Combine(_dir, "report.html");
        using var hold = Checkpoints.Arm(Checkpoints.ReportWritten, _dir);
        using var cts = new CancellationTokenSource();
        var write = AtomicFile.WriteAsync(target, Bytes("<html>complete</html>"), overwrite: false, cts.Token);
        Assert.True(hold.Reached.Wait(TimeSpan.FromMinutes(2)), "the write never reached its checkpoint"); // a hang detector
        Assert.Single(Directory.EnumerateFiles(_dir)); // the temporary file, fully written
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_failure_mid_overwrite_keeps_the_old_file()
    {
        var target = Path.Combine(_dir, "report.csv");
        await File.WriteAllTextAsync(target, "old");
        await Assert.ThrowsAsync<BedrockCostException>(() => AtomicFile.WriteAsync(target, FailMidway, overwrite: true, CancellationToken.None));
        Assert.Equal("old", await File.ReadAllTextAsync(target));
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_failing_report_writer_leaves_no_file_behind()
    {
        // A real report whose rendering fails half way (the statement's lines throw when enumerated late).
        var s = await ChargebackSampleTests.StatementAsync();
        var broken = new ChargebackStatement { Lines = Throwing(s.Lines), Reconciliation = s.Reconciliation, CostCenters = s.CostCenters };
        var target = Path.Combine(_dir, "statement.csv");
        await Assert.ThrowsAsync<BedrockCostException>(() =>
            AtomicFile.WriteAsync(target, (st, ct) => CsvReport.WriteAsync(broken, st, ct), overwrite: false, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    private static IReadOnlyList<ChargebackLine> Throwing(IReadOnlyList<ChargebackLine> lines) => new ThrowingList(lines);

    private sealed class ThrowingList(IReadOnlyList<ChargebackLine> inner) : IReadOnlyList<ChargebackLine>
    {
        public ChargebackLine this[int index] => inner[index];
        public int Count => inner.Count;
        public IEnumerator<ChargebackLine> GetEnumerator()
        {
            for (var i = 0; i < inner.Count; i++)
            {
                if (i == inner.Count / 2) throw new IOException("writer failed mid-way (simulated)");
                yield return inner[i];
            }
        }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public async Task An_existing_file_is_not_overwritten_without_overwrite()
    {
        var target = Path.Combine(_dir, "report.json");
        await File.WriteAllTextAsync(target, "old");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => AtomicFile.WriteAsync(target, Bytes("new"), overwrite: false, CancellationToken.None));
        Assert.Equal(ErrorIds.OutputFileExists, e.ErrorId);
        Assert.Equal("old", await File.ReadAllTextAsync(target));
        await AtomicFile.WriteAsync(target, Bytes("new"), overwrite: true, CancellationToken.None);
        Assert.Equal("new", await File.ReadAllTextAsync(target));
        Assert.Single(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task A_missing_folder_is_DestinationNotFound()
    {
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            AtomicFile.WriteAsync(Path.Combine(_dir, "no", "r.csv"), Bytes("x"), overwrite: false, CancellationToken.None));
        Assert.Equal(ErrorIds.DestinationNotFound, e.ErrorId);
    }

    [Theory]
    [InlineData("onclick")]
    [InlineData("href")]
    [InlineData("style")]
    [InlineData("x\"y")]
    public void HtmlWriter_refuses_attributes_that_could_run_or_load_something(string name)
    {
        var w = new HtmlWriter(new StringWriter());
        Assert.Throws<ArgumentException>(() => w.Open("div", (name, "x")));
    }

    [Theory]
    [InlineData("script")]
    [InlineData("iframe")]
    [InlineData("img")]
    [InlineData("a")]
    public void HtmlWriter_refuses_elements_outside_its_list(string element)
    {
        var w = new HtmlWriter(new StringWriter());
        Assert.Throws<ArgumentException>(() => w.Open(element));
    }

    [Fact]
    public void HtmlWriter_encodes_text_and_attribute_values()
    {
        var sw = new StringWriter();
        new HtmlWriter(sw).Open("td", ("title", "\"><script>x</script>")).Text("<b>&'\u0001").Close("td");
        Assert.Equal("<td title=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">&lt;b&gt;&amp;&#39;</td>", sw.ToString());
    }

    [Fact]
    public void HtmlWriter_refuses_a_style_sheet_that_could_close_its_element()
    {
        var w = new HtmlWriter(new StringWriter());
        Assert.Throws<ArgumentException>(() => w.StyleSheet("body{}</style><script>"));
    }
}
