using BitNet.Runtime.Kernels.Quantized;
using BitNet.Runtime.Threading;
using BitNet.Runtime.Weights;

namespace BitNet.Runtime.Model;

/// <summary>The LM head, logits = E · x, split across vocabulary rows (each thread streams its rows one by one).</summary>
internal sealed unsafe class HeadJob : ParallelJob, IDisposable
{
    private readonly HeadActivations _quantized;
    private TokenEmbedding _head = null!;
    private float* _input;
    private float* _logits;

    /// <param name="dimension">The head's input length (the hidden size).</param>
    public HeadJob(int dimension) => _quantized = new HeadActivations(dimension);

    public void Run(WorkerPool pool, TokenEmbedding head, float* input, float* logits)
    {
        _head = head;
        _input = input;
        _logits = logits;
        head.PrepareHeadInput(input, _quantized); // once per token, before the rows are split
        pool.Run(this, head.VocabularySize, granularity: 64);
    }

    public override void Execute(int start, int end) => _head.Logits(_input, _quantized, _logits, start, end);

    public void Dispose() => _quantized.Dispose();
}
