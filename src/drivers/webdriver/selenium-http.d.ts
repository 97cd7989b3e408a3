// selenium-webdriver's HTTP module lives at http/index.js (a directory, which Node's ESM loader
// will not resolve); its types are published as selenium-webdriver/http.
declare module 'selenium-webdriver/http/index.js' {
  import * as http from 'selenium-webdriver/http.js';
  export default http;
}
