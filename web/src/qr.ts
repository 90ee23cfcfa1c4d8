// QR codes drawn locally (no outside service), as an SVG data: URL.
import qrcode from 'qrcode-generator';

export function qrSVG(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const q = 4; // quiet zone
  let path = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) path += `M${c + q} ${r + q}h1v1h-1z`;
    }
  }
  const size = n + 2 * q;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}

export function qrDataURL(text: string): string {
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(qrSVG(text));
}
