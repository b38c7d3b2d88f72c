using System.Numerics.Tensors;
using BitNet.Runtime.Model;
using BitNet.Tests;

namespace BitNet.Runtime.Tests.Model;

/// <summary>
/// <see cref="InferenceSession.AccumulateHiddenStates"/>: the final hidden states it sums are the vectors the LM head
/// reads, checked against the independent numpy reference through the tied head.
/// </summary>
public sealed class HiddenStateTests
{
    // The forward pass's tolerance against the reference (ForwardPassTests).
    private const float LogitTolerance = 1e-3f;

    public static TheoryData<int> PromptIndices() => [0, 1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public void TheLastPositionsHiddenState_ThroughTheTiedHead_GivesTheReferenceLogits(int index)
    {
        var reference = ReferenceOutputs.Instance.Prompts[index];
        using var model = TinyModel.Load(ActivationQuantization.None);
        using var session = model.CreateSession();
        var prompt = reference.PromptIds;
        if (prompt.Length > 1) session.Prefill(prompt.AsSpan(0, prompt.Length - 1));
        var hidden = new float[model.Config.EmbeddingLength];
        session.AccumulateHiddenStates(prompt.AsSpan(prompt.Length - 1), hidden);

        // logits[v] = token_embd[v] · hidden, computed here independently of the engine's head kernels.
        var row = new float[model.Config.EmbeddingLength];
        float Logit(int token)
        {
            model.Weights.TokenEmbedding.CopyRow(token, row);
            return TensorPrimitives.Dot(row, hidden);
        }
        for (var i = 0; i < 16; i++)
            Assert.True(Math.Abs(Logit(i) - reference.NoQuant.LastLogitsFirst16[i]) <= LogitTolerance,
                $"logit {i}: {Logit(i)} vs reference {reference.NoQuant.LastLogitsFirst16[i]}");
        for (var i = 0; i < 5; i++)
        {
            var id = reference.NoQuant.Top5Ids[i];
            Assert.True(Math.Abs(Logit(id) - reference.NoQuant.Top5Logits[i]) <= LogitTolerance,
                $"top-5 logit of id {id}: {Logit(id)} vs reference {reference.NoQuant.Top5Logits[i]}");
        }

        // And the engine's own head (the decode path) reads the same state: its logits agree with the product above.
        using var decode = model.CreateSession();
        var logits = decode.Prefill(prompt);
        for (var v = 0; v < 64; v++) Assert.True(Math.Abs(logits[v] - Logit(v)) <= 1e-4f, $"logit {v}: head {logits[v]} vs dot {Logit(v)}");
    }

    [Fact]
    public void BatchedAccumulation_IsBitIdenticalToTokenByToken_AndComputesNoLogits()
    {
        // Int8 per-token activations take the batched prefill path.
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        // 150 tokens: two full batches of 64 and a partial one.
        var random = new Random(5);
        var prompt = new int[150];
        prompt[0] = model.Tokenizer.BosId;
        for (var i = 1; i < prompt.Length; i++) prompt[i] = random.Next(3, model.Config.VocabularySize);

        using var batched = model.CreateSession();
        var batchedSum = new float[model.Config.EmbeddingLength];
        batched.AccumulateHiddenStates(prompt, batchedSum);

        using var stepwise = model.CreateSession();
        var stepSum = new float[model.Config.EmbeddingLength];
        foreach (var token in prompt) stepwise.AccumulateHiddenStates([token], stepSum);

        Assert.Equal(stepSum, batchedSum);
        Assert.Equal(prompt, batched.Tokens.ToArray());
        Assert.Throws<InvalidOperationException>(() => batched.Logits.Length);
        // The cache is complete: decoding after it matches decoding after a prefill of the same tokens.
        using var prefilled = model.CreateSession();
        prefilled.Prefill(prompt);
        Assert.Equal(prefilled.Decode(412).ToArray(), batched.Decode(412).ToArray());
    }

    [Fact]
    public void Accumulation_AllocatesNothing_OnAWarmSession()
    {
        using var model = TinyModel.Load(ActivationQuantization.Int8PerToken);
        using var session = model.CreateSession();
        var prompt = model.Tokenizer.Encode("Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.");
        var sum = new float[model.Config.EmbeddingLength];
        session.AccumulateHiddenStates(prompt, sum);
        var bytes = Allocations.Measure(() =>
        {
            session.Rewind();
            session.AccumulateHiddenStates(prompt, sum);
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void Accumulation_RejectsAWrongSumLength_AndTokensThatDoNotFit()
    {
        using var model = TinyModel.Load(ActivationQuantization.None, contextLength: 8);
        using var session = model.CreateSession();
        var error = Assert.Throws<ArgumentException>(() => session.AccumulateHiddenStates([1, 2], new float[3]));
        Assert.Contains("256", error.Message, StringComparison.Ordinal);
        Assert.Throws<ContextLengthExceededException>(() => session.AccumulateHiddenStates(new int[9], new float[256]));
        Assert.Throws<ArgumentException>(() => session.AccumulateHiddenStates([], new float[256]));
        Assert.Equal(0, session.Position);
    }
}
