// The part of autocannon's API the benchmark uses (the package ships no types).
declare module "autocannon" {
  interface Options { url: string; connections?: number; pipelining?: number; duration?: number }
  interface Result { requests: { average: number }; non2xx: number; errors: number }
  export default function autocannon(options: Options): Promise<Result>;
}
