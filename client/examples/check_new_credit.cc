// An origination system's pre-approval check in a few lines: creditshare::client::Client owns
// the mTLS channel (with retries); CheckNewCredit returns the exposure and the signals.
//
//   check_new_credit TARGET CA_FILE CERT_FILE KEY_FILE RESIDENT_ID
#include <iostream>

#include "creditshare_client.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: " << argv[0] << " TARGET CA_FILE CERT_FILE KEY_FILE RESIDENT_ID\n";
    return 2;
  }
  namespace v1 = creditshare::v1;
  creditshare::client::ClientOptions options;
  options.target = argv[1];
  options.ca_file = argv[2];
  options.cert_file = argv[3];
  options.key_file = argv[4];
  creditshare::client::Client client(options);

  v1::CheckNewCreditRequest request;
  request.set_resident_id(argv[5]);
  request.set_purpose(v1::PURPOSE_LOAN_APPROVAL);
  request.set_consent_reference("CONSENT-2026-0001");
  request.set_product_type(v1::PRODUCT_TYPE_ONLINE_MICRO_LOAN);
  request.set_currency("CNY");
  request.set_proposed_limit_minor(2'000'000);  // 20,000.00 CNY
  v1::CheckNewCreditResponse response;
  if (auto status = client.CheckNewCredit(request, &response); !status.ok()) {
    std::cerr << "CheckNewCredit failed: " << status.error_message() << "\n";
    return 1;
  }

  std::cout << "open lines: " << response.summary().open_line_count()
            << ", lenders after this line: " << response.projected_lender_count() << "\nsignals:";
  for (const auto& signal : response.signals()) std::cout << "\n  " << signal.message();
  std::cout << (response.signals().empty() ? " none\n" : "\n");
  return 0;
}
