using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Model;

/// <summary>The tied LM head, logits = E · x, split across vocabulary rows.</summary>
internal sealed unsafe class HeadJob : ParallelJob
{
    private TokenEmbedding _embedding = null!;
    private float* _input;
    private float* _logits;

    public void Run(WorkerPool pool, TokenEmbedding embedding, float* input, float* logits)
    {
        _embedding = embedding;
        _input = input;
        _logits = logits;
        pool.Run(this, embedding.VocabularySize, granularity: 64);
    }

    public override void Execute(int start, int end) => _embedding.Logits(_input, _logits, start, end);
}
