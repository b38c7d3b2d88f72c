namespace BitNet.Runtime.Kernels.Ternary;

/// <summary>The reference: the layout stated as plain loops. Every other path must match it exactly.</summary>
internal sealed unsafe class ScalarTernaryKernel : TernaryKernel
{
    public override KernelPath Path => KernelPath.Scalar;

    public override bool IsSupported => true;

    public override void RowDots(byte* codes, int rowStride, int chunks, sbyte* x, int rows, int* dots)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var sum = 0;
            for (var j = 0; j < chunks; j++)
                for (var m = 0; m < 64; m++)
                {
                    int b = row[j * 64 + m];
                    for (var g = 0; g < 4; g++)
                        sum += ((b >> (2 * g)) & 3) * x[j * 256 + g * 64 + m];
                }
            dots[r] = sum;
        }
    }

    public override void RowDotsFloat(byte* codes, int rowStride, int chunks, float* x, int rows, float* dots) =>
        RowDotsFloatReference(codes, rowStride, chunks, x, rows, dots);

    internal static void RowDotsFloatReference(byte* codes, int rowStride, int chunks, float* x, int rows, float* dots)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = codes + (long)r * rowStride;
            var sum = 0f;
            for (var j = 0; j < chunks; j++)
                for (var g = 0; g < 4; g++)
                    for (var m = 0; m < 64; m++)
                        sum += (((row[j * 64 + m] >> (2 * g)) & 3) - 1) * x[j * 256 + g * 64 + m];
            dots[r] = sum;
        }
    }
}
