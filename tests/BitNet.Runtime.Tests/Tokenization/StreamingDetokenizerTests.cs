using System.Text;
using BitNet.Runtime.Tokenization;

namespace BitNet.Runtime.Tests.Tokenization;

public sealed class StreamingDetokenizerTests
{
    private static BitNetTokenizer Tokenizer => TokenizerTestData.FromGguf;

    private static string Stream(StreamingDetokenizer detokenizer, IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (var id in ids) text.Append(detokenizer.Append(id));
        text.Append(detokenizer.Flush());
        return text.ToString();
    }

    [Fact]
    public void Streaming_every_held_out_story_reproduces_Decode()
    {
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        foreach (var story in TokenizerTestData.Stories)
        {
            detokenizer.Reset();
            var ids = Tokenizer.Encode(story);
            var streamed = Stream(detokenizer, ids);
            Assert.Equal(Tokenizer.Decode(ids), streamed);
            Assert.Equal(story, streamed);
        }
    }

    [Theory]
    [MemberData(nameof(TokenizerTestData.EdgeCaseRows), MemberType = typeof(TokenizerTestData))]
    public void Streaming_edge_cases_reproduces_Decode(int index)
    {
        var text = TokenizerTestData.EdgeCases[index];
        foreach (var addBos in new[] { true, false })
        {
            var ids = Tokenizer.Encode(text, addBos);
            Assert.Equal(Tokenizer.Decode(ids), Stream(Tokenizer.CreateStreamingDetokenizer(), ids));
        }
    }

    [Fact]
    public void A_character_from_byte_pieces_appears_only_with_its_last_byte()
    {
        // "你" has no piece: it is encoded as ▁ followed by its three UTF-8 bytes E4 BD A0.
        var ids = Tokenizer.Encode("你", addBos: false);
        Assert.Equal(["▁", "<0xE4>", "<0xBD>", "<0xA0>"], ids.Select(Tokenizer.GetPieceText));

        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        Assert.Equal("", detokenizer.Append(ids[0]));   // the dummy-prefix space is dropped at the beginning
        Assert.Equal("", detokenizer.Append(ids[1]));
        Assert.True(detokenizer.HasPendingBytes);
        Assert.Equal("", detokenizer.Append(ids[2]));
        Assert.Equal("你", detokenizer.Append(ids[3]));
        Assert.False(detokenizer.HasPendingBytes);
        Assert.Equal("", detokenizer.Flush());
    }

    [Fact]
    public void A_four_byte_emoji_is_held_back_until_complete_and_surrogates_are_never_split()
    {
        var ids = Tokenizer.Encode("a👩b", addBos: false);
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        var outputs = ids.Select(detokenizer.Append).ToList();
        outputs.Add(detokenizer.Flush());
        Assert.Equal("a👩b", string.Concat(outputs));
        Assert.Contains("👩", outputs);
        Assert.All(outputs, o => Assert.False(o.Length > 0 && char.IsHighSurrogate(o[^1]), "a chunk ends inside a surrogate pair"));
    }

    [Fact]
    public void Flush_turns_an_unfinished_character_into_one_replacement_per_byte_like_Decode()
    {
        var e4 = Tokenizer.Encode("你", addBos: false)[1];
        var bd = Tokenizer.Encode("你", addBos: false)[2];
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        Assert.Equal("", detokenizer.Append(e4));
        Assert.Equal("", detokenizer.Append(bd));
        Assert.Equal("\uFFFD\uFFFD", detokenizer.Flush());
        Assert.Equal("\uFFFD\uFFFD", Tokenizer.Decode([e4, bd]));

        // An unfinished character followed by a text piece: the replacement comes before the piece's text.
        var once = Tokenizer.Encode("Once", addBos: false)[0];
        detokenizer.Reset();
        detokenizer.Append(e4);
        Assert.Equal("\uFFFD Once", detokenizer.Append(once));
        Assert.Equal("\uFFFD Once", Tokenizer.Decode([e4, once]));
    }

    [Fact]
    public void Control_pieces_produce_nothing_and_the_first_piece_loses_its_space()
    {
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        var ids = Tokenizer.Encode("Once upon");
        Assert.Equal("", detokenizer.Append(ids[0]));
        Assert.Equal("Once", detokenizer.Append(ids[1]));
        Assert.Equal(" upon", detokenizer.Append(ids[2]));
        Assert.Equal("", detokenizer.Append(Tokenizer.EosId));
        Assert.Equal("", detokenizer.Flush());
    }

    [Fact]
    public void A_continuation_detokenizer_keeps_the_first_space()
    {
        var prompt = Tokenizer.Encode("Once upon a");
        var generated = Tokenizer.Encode(" time there", addBos: false)[1..];   // "▁time", "▁there"
        var detokenizer = Tokenizer.CreateStreamingDetokenizer(atBeginningOfText: false);
        Assert.Equal(" time there", Stream(detokenizer, generated));
        Assert.Equal("Once upon a time there", Tokenizer.Decode(prompt.Concat(generated).ToArray()));
    }

    [Fact]
    public void Reset_starts_a_new_sequence()
    {
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        var ids = Tokenizer.Encode("Once upon a time");
        Assert.Equal("Once upon a time", Stream(detokenizer, ids));
        detokenizer.Append(Tokenizer.Encode("你", addBos: false)[1]);   // leave a byte pending
        detokenizer.Reset();
        Assert.False(detokenizer.HasPendingBytes);
        Assert.Equal("Once upon a time", Stream(detokenizer, ids));
    }

    [Fact]
    public void Plain_pieces_are_returned_without_allocating()
    {
        var detokenizer = Tokenizer.CreateStreamingDetokenizer();
        var ids = Tokenizer.Encode("Once upon a time, there was a little girl.");
        detokenizer.Append(ids[0]);
        detokenizer.Append(ids[1]);
        var second = detokenizer.Append(ids[2]);
        detokenizer.Reset();
        detokenizer.Append(ids[0]);
        detokenizer.Append(ids[1]);
        Assert.Same(second, detokenizer.Append(ids[2]));
    }
}
