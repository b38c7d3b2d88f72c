using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace BitNet.Runtime.Tokenization;

/// <summary>
/// The few pieces of the protocol-buffers wire format that a SentencePiece <c>ModelProto</c> needs: varints,
/// fixed32 floats and length-delimited fields. Hand-written so that the tokenizer needs no generated code.
/// </summary>
internal static class ProtobufWire
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    /// <summary>A bounds-checked forward reader. Every malformed input raises <see cref="InvalidDataException"/>.</summary>
    public ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly string _what;
        private int _position;

        public Reader(ReadOnlySpan<byte> data, string what)
        {
            _data = data;
            _what = what;
            _position = 0;
        }

        public readonly bool AtEnd => _position >= _data.Length;

        public (int Field, int WireType) ReadTag()
        {
            var tag = ReadVarint();
            var field = tag >> 3;
            if (field is 0 or > int.MaxValue) throw Error($"invalid field number {field}");
            return ((int)field, (int)(tag & 7));
        }

        public ulong ReadVarint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length) throw Error("truncated varint");
                var b = _data[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return result;
            }
            throw Error("varint longer than 10 bytes");
        }

        /// <summary>An <c>int32</c> field: negative values arrive sign-extended to 64 bits.</summary>
        public int ReadInt32() => unchecked((int)(long)ReadVarint());

        public bool ReadBool() => ReadVarint() != 0;

        public float ReadFloat()
        {
            if (_data.Length - _position < 4) throw Error("truncated fixed32");
            var value = BinaryPrimitives.ReadSingleLittleEndian(_data.Slice(_position, 4));
            _position += 4;
            return value;
        }

        public ReadOnlySpan<byte> ReadLengthDelimited()
        {
            var length = ReadVarint();
            if (length > (ulong)(_data.Length - _position)) throw Error($"length {length} runs past the end of the data");
            var slice = _data.Slice(_position, (int)length);
            _position += (int)length;
            return slice;
        }

        public string ReadString()
        {
            var bytes = ReadLengthDelimited();
            try
            {
                return s_strictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"Invalid {_what}: a string field is not valid UTF-8.", e);
            }
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case WireVarint: ReadVarint(); break;
                case WireFixed64: Advance(8); break;
                case WireLengthDelimited: ReadLengthDelimited(); break;
                case WireFixed32: Advance(4); break;
                default: throw Error($"unsupported wire type {wireType}");
            }
        }

        private void Advance(int count)
        {
            if (_data.Length - _position < count) throw Error("truncated field");
            _position += count;
        }

        private readonly InvalidDataException Error(string problem) =>
            new($"Invalid {_what}: {problem} at byte {_position}.");
    }

    /// <summary>An append-only writer.</summary>
    public sealed class Writer
    {
        private readonly ArrayBufferWriter<byte> _buffer;

        public Writer(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

        public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

        public void Clear() => _buffer.ResetWrittenCount();

        public void WriteVarintField(int field, ulong value)
        {
            WriteTag(field, WireVarint);
            WriteVarint(value);
        }

        /// <summary>An <c>int32</c> field; negative values are sign-extended to 64 bits as protobuf requires.</summary>
        public void WriteInt32Field(int field, int value) => WriteVarintField(field, unchecked((ulong)(long)value));

        public void WriteBoolField(int field, bool value) => WriteVarintField(field, value ? 1UL : 0UL);

        public void WriteFloatField(int field, float value)
        {
            WriteTag(field, WireFixed32);
            BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
            _buffer.Advance(4);
        }

        public void WriteBytesField(int field, ReadOnlySpan<byte> value)
        {
            WriteTag(field, WireLengthDelimited);
            WriteVarint((ulong)value.Length);
            value.CopyTo(_buffer.GetSpan(value.Length));
            _buffer.Advance(value.Length);
        }

        public void WriteStringField(int field, string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            WriteTag(field, WireLengthDelimited);
            WriteVarint((ulong)length);
            var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
            _buffer.Advance(written);
        }

        private void WriteTag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

        private void WriteVarint(ulong value)
        {
            var span = _buffer.GetSpan(10);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }
            span[i++] = (byte)value;
            _buffer.Advance(i);
        }
    }

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
