using System.Text;
using BitNet.Runtime.Sampling;

namespace BitNet.Runtime.Tests.Sampling;

public class StopSequenceMatcherTests
{
    /// <summary>Feeds the chunks; returns what each Append emitted, the final flag and the total output (with Flush).</summary>
    private static (string[] Emitted, bool Stopped, string Output) Feed(StopSequenceMatcher matcher, params string[] chunks)
    {
        var emitted = new List<string>();
        var stopped = false;
        foreach (var chunk in chunks)
        {
            emitted.Add(matcher.Append(chunk, out stopped));
            if (stopped)
                break;
        }

        var output = string.Concat(emitted) + matcher.Flush();
        return ([.. emitted], stopped, output);
    }

    [Fact]
    public void StopSplitAcrossManyChunks()
    {
        var (emitted, stopped, output) = Feed(new StopSequenceMatcher(["</s>"]), "Hello <", "/", "s", ">", " world");
        Assert.Equal(["Hello ", "", "", ""], emitted);
        Assert.True(stopped);
        Assert.Equal("Hello ", output);
    }

    [Fact]
    public void OneCharAtATime()
    {
        var matcher = new StopSequenceMatcher(["STOP"]);
        var output = new StringBuilder();
        var stopped = false;
        foreach (var c in "abSTxSTOPyz")
        {
            output.Append(matcher.Append(c.ToString(), out stopped));
            if (stopped)
                break;
        }

        Assert.True(stopped);
        Assert.Equal("abSTx", output.ToString());
    }

    [Fact]
    public void PartialMatchThatIsNotAStop_IsReleased()
    {
        var matcher = new StopSequenceMatcher(["</s>"]);
        Assert.Equal("a", matcher.Append("a<", out var stopped));
        Assert.False(stopped);
        Assert.Equal("", matcher.Append("/", out _));
        Assert.Equal("</x", matcher.Append("x", out stopped)); // the held-back "</" comes out with the new text
        Assert.False(stopped);
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void SelfOverlappingStop_HoldsOnlyTheLongestPossiblePrefix()
    {
        var matcher = new StopSequenceMatcher(["aab"]);
        Assert.Equal("", matcher.Append("a", out _));
        Assert.Equal("", matcher.Append("a", out _));
        Assert.Equal("a", matcher.Append("a", out _)); // "aaa": only the last "aa" can still start "aab"
        Assert.Equal("", matcher.Append("b", out var stopped));
        Assert.True(stopped);
    }

    [Fact]
    public void MultipleStopsWithOverlappingPrefixes()
    {
        string[] stops = ["\nUser:", "\nUse", "\n\n", "END"];
        Assert.Equal("Hi", Feed(new StopSequenceMatcher(stops), "Hi\nU", "ser:", " more").Output); // "\nUse" completes first
        Assert.Equal("Hi\nUsx", Feed(new StopSequenceMatcher(stops), "Hi\nUs", "x\n", "\nafter").Output); // near misses, then "\n\n"
        Assert.Equal("The", Feed(new StopSequenceMatcher(stops), "The", "EN", "D\n\n").Output);

        // Two stops ending at the same char: the one starting earlier wins.
        Assert.Equal("x", Feed(new StopSequenceMatcher(["bc", "abc"]), "xa", "bc").Output);
        // One stop inside another completes first and ends generation there.
        Assert.Equal("zza", Feed(new StopSequenceMatcher(["abcd", "bc"]), "zza", "b", "cd").Output);
        Assert.Equal("zza", Feed(new StopSequenceMatcher(["abcd", "bc"]), "zzabcd").Output);
    }

    [Fact]
    public void StopAtTheVeryStart()
    {
        var matcher = new StopSequenceMatcher(["<|end|>"]);
        Assert.Equal("", matcher.Append("<|end|>and more", out var stopped));
        Assert.True(stopped);
        Assert.True(matcher.IsStopped);

        // Later text is discarded; the flag stays set.
        Assert.Equal("", matcher.Append("ignored", out stopped));
        Assert.True(stopped);
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void StopInsideOneChunk_DiscardsTheRest()
    {
        var (emitted, stopped, output) = Feed(new StopSequenceMatcher(["###"]), "one ", "two ### three", "four");
        Assert.Equal(["one ", "two "], emitted);
        Assert.True(stopped);
        Assert.Equal("one two ", output);
    }

    [Fact]
    public void NoStops_PassesTextThrough()
    {
        foreach (var matcher in new[] { new StopSequenceMatcher(null), new StopSequenceMatcher([]), new StopSequenceMatcher(["", null!]) })
        {
            Assert.True(matcher.IsEmpty);
            var text = "any text </s> at all";
            Assert.Same(text, matcher.Append(text, out var stopped));
            Assert.False(stopped);
            Assert.Equal("", matcher.Flush());
        }

        Assert.False(new StopSequenceMatcher(["", "x"]).IsEmpty);
    }

    [Fact]
    public void Flush_ReleasesTheHeldBackText()
    {
        var matcher = new StopSequenceMatcher(["<end>"]);
        Assert.Equal("abc", matcher.Append("abc<en", out var stopped));
        Assert.False(stopped);
        Assert.Equal("<en", matcher.Flush());
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void Reset_StartsOver()
    {
        var matcher = new StopSequenceMatcher(["<end>"]);
        matcher.Append("x<end>", out _);
        matcher.Append("<e", out _);
        matcher.Reset();
        Assert.False(matcher.IsStopped);
        Assert.Equal("fresh", matcher.Append("fresh<", out var stopped));
        Assert.False(stopped);
        Assert.Equal("<", matcher.Flush());
    }

    [Fact]
    public void UnicodeText()
    {
        // CJK and an emoji (a surrogate pair) in both text and stop strings.
        Assert.Equal("こんにちは", Feed(new StopSequenceMatcher(["終わり"]), "こんにちは終", "わ", "りです").Output);
        Assert.Equal("Hi ", Feed(new StopSequenceMatcher(["🛑"]), "Hi \uD83D", "\uDED1 more").Output);
        Assert.Equal("Hi \uD83D\uDE00 more", Feed(new StopSequenceMatcher(["🛑"]), "Hi \uD83D", "\uDE00 more").Output);
        Assert.Equal("naïve ", Feed(new StopSequenceMatcher(["café"]), "naïve caf", "é!").Output);
    }

    [Fact]
    public void NeverReleasesHalfASurrogatePair()
    {
        var matcher = new StopSequenceMatcher(null);
        Assert.Equal("x", matcher.Append("x\uD83D", out _));
        Assert.Equal("\uD83D\uDE00y", matcher.Append("\uDE00y", out _));
        Assert.Equal("z", matcher.Append("z\uD83D", out _));
        Assert.Equal("\uD83D", matcher.Flush()); // at the end it is released as it is
    }

    [Fact]
    public void LongChunks_GrowTheBuffer()
    {
        var matcher = new StopSequenceMatcher(["<stop>"]);
        var big = new string('a', 10_000);
        Assert.Equal(big, matcher.Append(big + "<st", out _));
        Assert.Equal("", matcher.Append("op>", out var stopped));
        Assert.True(stopped);
    }

    [Fact]
    public void RejectsNullText() =>
        Assert.Throws<ArgumentNullException>(() => new StopSequenceMatcher(["x"]).Append(null!, out _));

    /// <summary>
    /// Random texts (with and without stops) in random chunkings: the output must equal the reference truncation,
    /// every prefix of the output must be safe, and the matcher must hold back no more than it has to.
    /// </summary>
    [Fact]
    public void Property_RandomChunkings_MatchTheReferenceTruncation()
    {
        // Small alphabet so that stops and near-misses are frequent; includes a surrogate pair and a combining accent.
        string[] alphabet = ["a", "b", "c", " ", "é", "😀", "\n"];
        var rng = new Random(20240611);
        var withStop = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            var stops = new List<string>();
            for (var s = rng.Next(1, 4); s > 0; s--)
                stops.Add(RandomText(rng, alphabet, rng.Next(1, 5)));
            var text = RandomText(rng, alphabet, rng.Next(0, 40));
            if (trial % 2 == 0 && text.Length > 0)
            {
                // Plant a stop anywhere (even inside a surrogate pair: matching is char by char).
                var at = rng.Next(text.Length + 1);
                text = text[..at] + stops[rng.Next(stops.Count)] + text[at..];
            }

            var expected = ReferenceTruncation(text, stops, out var expectStop);
            withStop += expectStop ? 1 : 0;

            // Cut at random char offsets (pairs may be split), with empty chunks now and then.
            var matcher = new StopSequenceMatcher(stops);
            var output = new StringBuilder();
            var stopped = false;
            var fed = 0;
            while (fed < text.Length && !stopped)
            {
                var length = rng.Next(0, 6) == 0 ? 0 : rng.Next(1, 7);
                length = Math.Min(length, text.Length - fed);
                output.Append(matcher.Append(text.Substring(fed, length), out stopped));
                fed += length;

                var context = $"stops [{string.Join("|", stops)}], text \"{text}\", fed {fed}";
                Assert.True(expected.StartsWith(output.ToString(), StringComparison.Ordinal), $"unsafe output \"{output}\"; {context}");
                if (!stopped)
                {
                    // Minimal hold-back: everything except the longest suffix that could still begin a stop.
                    var seen = text[..fed];
                    Assert.Equal(seen.Length - MinimalHold(seen, stops), output.Length);
                }
            }

            if (!stopped)
                output.Append(matcher.Flush());
            Assert.Equal(expectStop, stopped);
            Assert.Equal(expected, output.ToString());
        }

        Assert.InRange(withStop, 1000, 2900); // both kinds of text were exercised
    }

    private static string RandomText(Random rng, string[] alphabet, int symbols)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < symbols; i++)
            sb.Append(alphabet[rng.Next(alphabet.Length)]);
        return sb.ToString();
    }

    /// <summary>Cut before the stop that completes first (earliest end; at equal ends, earliest start).</summary>
    private static string ReferenceTruncation(string text, List<string> stops, out bool found)
    {
        for (var end = 1; end <= text.Length; end++)
        {
            var start = int.MaxValue;
            foreach (var stop in stops)
            {
                if (stop.Length <= end && string.CompareOrdinal(text, end - stop.Length, stop, 0, stop.Length) == 0)
                    start = Math.Min(start, end - stop.Length);
            }

            if (start != int.MaxValue)
            {
                found = true;
                return text[..start];
            }
        }

        found = false;
        return text;
    }

    private static int MinimalHold(string seen, List<string> stops)
    {
        for (var k = seen.Length; k > 0; k--)
        {
            foreach (var stop in stops)
            {
                if (stop.Length > k && string.CompareOrdinal(seen, seen.Length - k, stop, 0, k) == 0)
                    return k;
            }
        }

        return seen.Length > 0 && char.IsHighSurrogate(seen[^1]) ? 1 : 0;
    }
}
