namespace BedrockCost.Core.Classification;

/// <summary>One run of letters or digits of a billing string.</summary>
/// <param name="Text">The run as written.</param>
/// <param name="IsNumber">Digits, with dots only between digits ("4.6").</param>
/// <param name="Glued">Follows the previous run with no separator ("Claude|4.6|Sonnet").</param>
/// <param name="Piece">Index of the separator-delimited piece the run belongs to.</param>
internal readonly record struct WordRun(string Text, bool IsNumber, bool Glued, int Piece)
{
    public string Lower => Text.ToLowerInvariant();
}

/// <summary>
/// Splits billing strings into words: at any character that is not a letter or digit, between letters and
/// digits, and at camel-case boundaries ("CacheWrite1hInputTokenCount" = Cache Write 1 h Input Token Count,
/// "HDRes" = HD Res). Usage types and model names are read as these words rather than matched as patterns.
/// </summary>
internal static class Words
{
    public static List<WordRun> Split(ReadOnlySpan<char> text, char? pieceSeparator = null)
    {
        var runs = new List<WordRun>();
        var piece = 0;
        var glued = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsDigit(text[i]) || (text[i] == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1]) && i > start)))
                    i++;
                runs.Add(new WordRun(text[start..i].ToString(), true, glued, piece));
                glued = true;
                continue;
            }
            if (char.IsLetter(c))
            {
                var start = i;
                i++;
                while (i < text.Length && char.IsLetter(text[i]))
                {
                    var upper = char.IsUpper(text[i]);
                    // camelCase: a capital after a small letter; an acronym ends before its last capital ("HDRes").
                    if (upper && char.IsLower(text[i - 1])) break;
                    if (!upper && i - start >= 2 && char.IsUpper(text[i - 1]) && char.IsUpper(text[i - 2]))
                    {
                        i--;
                        break;
                    }
                    i++;
                }
                runs.Add(new WordRun(text[start..i].ToString(), false, glued, piece));
                glued = true;
                continue;
            }
            if (pieceSeparator is null || c == pieceSeparator) piece++;
            glued = false;
            i++;
        }
        return runs;
    }
}
