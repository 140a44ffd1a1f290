import { attachmentOf, mediaTypeOf, sanitizeFileName } from './attachment';

describe('sanitizeFileName', () => {
  it.each([
    ['report.csv', 'report.csv'],
    ['out/report.csv', 'report.csv'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\evil.bat', 'evil.bat'],
    ['dir/', 'dir'],
    ['new\nline.txt', 'new_line.txt'],
    ['tab\there\u0000.txt', 'tab_here\ufffd.txt'],
    ['\u0085next', '_next'],
    ['invoice\u202Etxt.exe', 'invoice_txt.exe'],
    ['lone\ud800.txt', 'lone\ufffd.txt'],
    ['/', 'file'],
    ['..', 'file'],
    ['  spaced  ', 'spaced'],
  ])('%j becomes %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('cuts a long name to 255 characters, keeping the extension', () => {
    const name = sanitizeFileName(`${'a'.repeat(400)}.tar.gz`);
    expect(name).toHaveLength(255);
    expect(name.endsWith('a.gz')).toBe(true);
  });
});

describe('mediaTypeOf', () => {
  it('takes a declared type, else the extension, else sniffs text or bytes', () => {
    expect(mediaTypeOf('x.bin', Buffer.from('hi'), 'image/png')).toBe('image/png');
    expect(mediaTypeOf('report.csv', Buffer.from('a,b'))).toBe('text/csv');
    expect(mediaTypeOf('photo.PNG', Buffer.from([0x89]))).toBe('image/png');
    expect(mediaTypeOf('README', Buffer.from('plain words, é'))).toBe('text/plain');
    expect(mediaTypeOf('blob', Buffer.from([0xff, 0xfe, 0x00, 0x01]))).toBe('application/octet-stream');
    expect(() => mediaTypeOf('x', Buffer.from(''), 'Text/Plain; charset=x')).toThrow();
  });
});

describe('attachmentOf', () => {
  it('is a contract attachment of the bytes', () => {
    expect(attachmentOf('a.txt', Buffer.from('abc'), 'text/plain')).toEqual({
      name: 'a.txt',
      mediaType: 'text/plain',
      size: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      content: 'YWJj',
    });
  });
});
