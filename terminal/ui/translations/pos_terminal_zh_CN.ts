<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Adjust</name>
    <message>
        <location filename="../screens/member_account.py" line="50"/>
        <source>Card not scanned</source>
        <translation>消费时未扫会员卡</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="51"/>
        <source>Wrong sale amount</source>
        <translation>消费金额录入错误</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="52"/>
        <source>Goodwill</source>
        <translation>客户关怀赠送</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="53"/>
        <source>Complaint settled</source>
        <translation>投诉处理补偿</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="54"/>
        <source>Other (explain)</source>
        <translation>其他（请说明）</translation>
    </message>
</context>
<context>
    <name>AdjustTab</name>
    <message>
        <location filename="../screens/member_account.py" line="112"/>
        <source>Points (+ or -)</source>
        <translation>积分（+ 或 -）</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="113"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="114"/>
        <source>Details</source>
        <translation>说明</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="115"/>
        <source>e.g. 200 or -150</source>
        <translation>例如 200 或 -150</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="116"/>
        <source>What happened (required for Other)</source>
        <translation>具体情况（选“其他”时必填）</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="121"/>
        <source>At most %1 per adjustment; %2 per member a day.</source>
        <translation>每次调整最多 %1；每位会员每天最多 %2。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="169"/>
        <source>Adjusted %1; the balance is now %2.</source>
        <translation>已调整 %1；当前余额 %2。</translation>
    </message>
</context>
<context>
    <name>AfterSale</name>
    <message>
        <location filename="../after_sale.py" line="192"/>
        <source>Member slip printed.</source>
        <translation>会员小票已打印。</translation>
    </message>
</context>
<context>
    <name>CameraDialog</name>
    <message>
        <location filename="../widgets/camera_dialog.py" line="34"/>
        <source>Scan with the camera</source>
        <translation>用摄像头扫描</translation>
    </message>
    <message>
        <location filename="../widgets/camera_dialog.py" line="35"/>
        <source>Hold the member card in front of the camera.</source>
        <translation>请将会员卡对准摄像头。</translation>
    </message>
    <message>
        <location filename="../widgets/camera_dialog.py" line="36"/>
        <source>Cancel (Esc)</source>
        <translation>取消 (Esc)</translation>
    </message>
    <message>
        <location filename="../widgets/camera_dialog.py" line="54"/>
        <source>The camera could not be started.</source>
        <translation>无法启动摄像头。</translation>
    </message>
</context>
<context>
    <name>CardScreen</name>
    <message>
        <location filename="../screens/enroll.py" line="52"/>
        <source>Member card</source>
        <translation>会员卡</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="53"/>
        <source>Continue to checkout (Enter)</source>
        <translation>继续收银 (Enter)</translation>
    </message>
</context>
<context>
    <name>CheckoutScreen</name>
    <message>
        <location filename="../screens/checkout.py" line="113"/>
        <source>Member card (F5)</source>
        <translation>会员卡 (F5)</translation>
    </message>
    <message>
        <location filename="../screens/checkout.py" line="114"/>
        <source>Void (F6)</source>
        <translation>撤销 (F6)</translation>
    </message>
    <message>
        <location filename="../screens/checkout.py" line="115"/>
        <source>Account (Shift+F11)</source>
        <translation>会员账户 (Shift+F11)</translation>
    </message>
    <message>
        <location filename="../screens/checkout.py" line="116"/>
        <source>Enroll (F4)</source>
        <translation>注册会员 (F4)</translation>
    </message>
    <message>
        <location filename="../screens/checkout.py" line="117"/>
        <source>Next customer (Esc)</source>
        <translation>下一位顾客 (Esc)</translation>
    </message>
</context>
<context>
    <name>DayClosePanel</name>
    <message>
        <location filename="../screens/day_close.py" line="108"/>
        <source>Close day</source>
        <translation>日结</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="109"/>
        <source>Close day…</source>
        <translation>日结…</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="110"/>
        <source>Send to head office</source>
        <translation>发送给总部</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="111"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="112"/>
        <source>Recently closed days</source>
        <translation>最近已结营业日</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="113"/>
        <source>Business day</source>
        <translation>营业日</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="113"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="120"/>
        <source>Matched</source>
        <translation>已核对一致</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="121"/>
        <source>Pending</source>
        <translation>待核对</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="122"/>
        <source>Mismatch</source>
        <translation>不一致</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="135"/>
        <source>Business day {day}: {events} events (seq {first}–{last}), {earned} points earned, {redeemed} redeemed, sales {amount}.</source>
        <translation>营业日 {day}：{events} 笔事件（序号 {first}–{last}），获得积分 {earned}，兑换积分 {redeemed}，销售额 {amount}。</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="153"/>
        <source>Day {day} closed: head office&apos;s figures match.</source>
        <translation>{day} 已日结：与总部数据一致。</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="157"/>
        <source>Day {day} is pending: {count} events still on their way (seq {seqs}). Head office will match them once they arrive.</source>
        <translation>{day} 待核对：仍有 {count} 笔事件在传送中（序号 {seqs}）。事件到达后总部将自动核对。</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="163"/>
        <source>Day {day} does not match head office&apos;s figures: {reason}. Call head office.</source>
        <translation>{day} 与总部数据不一致：{reason}。请联系总部。</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="189"/>
        <source>the totals differ</source>
        <translation>合计不符</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="216"/>
        <source>This till is not paired with head office: pair it in Settings (F9) before closing a day.</source>
        <translation>本收银台尚未与总部配对：请先在设置 (F9) 中配对，再进行日结。</translation>
    </message>
    <message>
        <location filename="../screens/day_close.py" line="281"/>
        <source>Closing the day with head office…</source>
        <translation>正在与总部日结…</translation>
    </message>
</context>
<context>
    <name>EnrollScreen</name>
    <message>
        <location filename="../screens/enroll.py" line="132"/>
        <source>Enroll a new member</source>
        <translation>注册新会员</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="133"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="134"/>
        <source>Mobile phone</source>
        <translation>手机号码</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="135"/>
        <source>E-mail (optional)</source>
        <translation>电子邮箱（选填）</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="136"/>
        <source>e.g. 138 1234 5678</source>
        <translation>例如 138 1234 5678</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="137"/>
        <source>The member agrees to receive offers (marketing consent)</source>
        <translation>会员同意接收优惠信息（营销授权）</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="138"/>
        <source>Enroll (Enter)</source>
        <translation>注册 (Enter)</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="139"/>
        <source>Cancel (Esc)</source>
        <translation>取消 (Esc)</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="166"/>
        <source>Enter the member&apos;s name.</source>
        <translation>请输入会员姓名。</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="170"/>
        <source>Enter the member&apos;s mobile number.</source>
        <translation>请输入会员手机号码。</translation>
    </message>
    <message>
        <location filename="../screens/enroll.py" line="174"/>
        <source>This mobile number is too short: enter all its digits.</source>
        <translation>手机号码太短：请输入完整号码。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../messages.py" line="34"/>
        <source>Nothing can be redeemed on this sale.</source>
        <translation>本笔消费不能兑换积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="36"/>
        <source>At most {points} points can be redeemed now.</source>
        <translation>目前最多可兑换 {points} 积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="41"/>
        <source>At most {points} points ({value}) can be redeemed now.</source>
        <translation>目前最多可兑换 {points} 积分（{value}）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="51"/>
        <location filename="../messages.py" line="269"/>
        <source>Wrong staff code or PIN.</source>
        <translation>员工编号或密码错误。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="63"/>
        <source>{count} attempts left before the account locks.</source>
        <translation>再错 {count} 次账户将被锁定。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="70"/>
        <source>Too many wrong PINs: this staff account is locked.</source>
        <translation>密码错误次数过多，该员工账户已锁定。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="83"/>
        <source>Try again in {minutes} min or ask a manager.</source>
        <translation>请 {minutes} 分钟后重试或联系店长。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="156"/>
        <source>One adjustment may move at most {max} points.</source>
        <translation>单次调整最多 {max} 积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="162"/>
        <source>A member&apos;s points may be adjusted by at most {cap} a day; {left} are left today.</source>
        <translation>每位会员每天最多调整 {cap} 积分；今天还剩 {left}。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="169"/>
        <source>One redemption may use at most {max} points.</source>
        <translation>单次最多兑换 {max} 积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="176"/>
        <source>A member may redeem at most {cap} points a day; {left} are left today.</source>
        <translation>每位会员每天最多兑换 {cap} 积分；今天还剩 {left}。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="283"/>
        <source>Head office refused this: it was not approved by an active store manager.</source>
        <translation>总部拒绝了此操作：未经本店在职店长批准。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="288"/>
        <source>Head office refused this: its date is too far from today. Check the till&apos;s clock.</source>
        <translation>总部拒绝了此操作：其日期与今天相差太远。请检查收银机的时钟。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="294"/>
        <source>Head office refused the till&apos;s queue as out of order; call head office.</source>
        <translation>总部认为收银机的待上传队列顺序异常而拒收；请联系总部。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="106"/>
        <source>The amount is larger than any sale the program accepts ({max}).</source>
        <translation>金额超过积分计划允许的单笔上限（{max}）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="57"/>
        <source>{count} more wrong PINs pause approvals with this code.</source>
        <translation>再输错 {count} 次，此工号的审批将暂停。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="79"/>
        <source>Try again in {minutes} min or call head office.</source>
        <translation>请 {minutes} 分钟后再试，或致电总部。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="92"/>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <location filename="../messages.py" line="94"/>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <location filename="../messages.py" line="96"/>
        <source>Too many wrong manager PINs for {code}: approvals with this code pause for {wait}. Head office has been told. The manager can still sign in: ask them to come to the till, or call head office.</source>
        <translation>{code} 的店长密码错误次数过多：此工号的审批暂停 {wait}。已通知总部。店长仍可正常登录：请店长到收银台处理，或致电总部。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="111"/>
        <source>That is not a number: type the sale amount in digits, for example 12.50.</source>
        <translation>这不是数字：请用数字输入消费金额，例如 12.50。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="115"/>
        <source>Too many decimals: this currency has {decimals} after the point.</source>
        <translation>小数位太多：该币种小数点后只有 {decimals} 位。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="118"/>
        <source>Enter a sale amount greater than zero, for example 12.50.</source>
        <translation>请输入大于零的消费金额，例如 12.50。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="124"/>
        <source>At least {min} points must be redeemed at once.</source>
        <translation>每次至少兑换 {min} 积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="130"/>
        <source>Points may pay at most {percent}% of the sale ({cap}).</source>
        <translation>积分最多抵扣消费金额的 {percent}%（{cap}）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="140"/>
        <source>The member has only {balance} points.</source>
        <translation>该会员只有 {balance} 积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="147"/>
        <source>While the till is offline a member may redeem at most {cap} points a day; {left} are left today.</source>
        <translation>离线时每位会员每天最多兑换 {cap} 积分；今天还可兑换 {left} 积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="185"/>
        <source>This sale has been returned in full already.</source>
        <translation>这笔销售已全部退货。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="186"/>
        <source>The return is larger than what is left of the sale: at most {left}.</source>
        <translation>退货金额超过这笔销售的剩余金额：最多 {left}。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="193"/>
        <source>A manager must approve this: enter a manager&apos;s code and PIN.</source>
        <translation>此操作需店长批准：请输入店长编号和密码。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="196"/>
        <source>A return above {limit} needs a manager&apos;s approval (manager PIN).</source>
        <translation>超过 {limit} 的退货需要店长批准（店长 PIN）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="203"/>
        <source>This coupon needs a larger sale.</source>
        <translation>此优惠券需要更高的消费金额。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="205"/>
        <source>This coupon needs a sale of {amount} or more.</source>
        <translation>此优惠券需消费满 {amount} 才能使用。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="212"/>
        <source>This coupon is not valid yet.</source>
        <translation>此优惠券尚未生效。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="213"/>
        <source>This coupon is valid from {date}.</source>
        <translation>此优惠券自 {date} 起可用。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="220"/>
        <source>This coupon has expired.</source>
        <translation>此优惠券已过期。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="221"/>
        <source>This coupon has expired (it was valid until {date}).</source>
        <translation>此优惠券已过期（有效期至 {date}）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="228"/>
        <source>This coupon is in another currency.</source>
        <translation>此优惠券的币种与本店不同。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="229"/>
        <source>This coupon is in {currency}: it cannot be used in this store&apos;s currency.</source>
        <translation>此优惠券的币种为 {currency}，不能在本店的币种下使用。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="240"/>
        <source>This coupon is not valid in this store.</source>
        <translation>此优惠券不适用于本店。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="243"/>
        <source>Only one coupon per sale: this coupon cannot be used beside another.</source>
        <translation>每笔消费限用一张优惠券：此券不能与其他优惠券同时使用。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="248"/>
        <source>This coupon belongs to another member.</source>
        <translation>此优惠券属于其他会员。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="251"/>
        <source>No coupon has this code. Check it and try again.</source>
        <translation>没有与此券码对应的优惠券。请核对后重试。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="254"/>
        <source>Not a coupon code: it has 6 to 24 letters and digits.</source>
        <translation>不是有效的券码：券码由 6 至 24 位字母和数字组成。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="257"/>
        <source>No sale has this receipt number. Check it and try again.</source>
        <translation>没有这个小票号的销售。请核对后重试。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="260"/>
        <source>This sale was voided: there is nothing to return.</source>
        <translation>这笔销售已作废，无可退货。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="267"/>
        <location filename="../messages.py" line="353"/>
        <source>Sign in first.</source>
        <translation>请先登录。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="268"/>
        <source>No member found with this code.</source>
        <translation>找不到该会员号对应的会员。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="272"/>
        <source>Enter a whole number of points greater than zero.</source>
        <translation>请输入大于零的整数积分。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="299"/>
        <source>This coupon has already been used or has expired.</source>
        <translation>该优惠券已使用或已过期。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="302"/>
        <source>This transaction has already been voided.</source>
        <translation>该交易已被撤销。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="304"/>
        <source>This transaction cannot be voided.</source>
        <translation>该交易不能撤销。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="306"/>
        <source>Not a valid member code: it was mistyped or misread. Scan or type it again.</source>
        <translation>会员号无效：输入或识别有误，请重新扫描或输入。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="311"/>
        <source>This QR code is not a member card.</source>
        <translation>该二维码不是会员卡。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="313"/>
        <source>Enter a valid mobile phone number.</source>
        <translation>请输入有效的手机号码。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="315"/>
        <source>Enter the member&apos;s name (1 to 100 characters).</source>
        <translation>请输入会员姓名（1 到 100 个字符）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="318"/>
        <source>Enter a valid e-mail address or leave it empty.</source>
        <translation>请输入有效的电子邮箱，或留空。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="321"/>
        <source>This sale has already been recorded for this member.</source>
        <translation>该会员的这笔消费已经记录过了。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="324"/>
        <source>A member with this phone number already exists.</source>
        <translation>该手机号码已注册会员。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="327"/>
        <source>This card was replaced by a new one and no longer works. Ask for the new card, or search by phone.</source>
        <translation>此卡已换发新卡，不能再使用。请出示新卡，或按手机号查找。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="334"/>
        <source>Another member already has this phone number.</source>
        <translation>该手机号已被其他会员使用。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="337"/>
        <source>Nothing was changed: fill in what is new.</source>
        <translation>没有任何更改：请填写需要修改的内容。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="340"/>
        <source>The store currency is not set up correctly.</source>
        <translation>门店币种设置有误。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="343"/>
        <location filename="../messages.py" line="370"/>
        <source>This till is not paired with head office yet.</source>
        <translation>本收银台尚未与总部配对。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="346"/>
        <source>The pairing code is wrong, expired or already used.</source>
        <translation>配对码错误、已过期或已被使用。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="349"/>
        <source>Head office cannot be reached; the till keeps working offline.</source>
        <translation>无法连接总部；收银台将继续离线工作。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="355"/>
        <source>This member&apos;s account is not active; no points can change.</source>
        <translation>该会员账户未激活，积分不能变动。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="357"/>
        <source>This transaction is not on this till.</source>
        <translation>本收银台没有这笔交易。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="359"/>
        <source>The receipt number is too long or has invalid characters.</source>
        <translation>小票号过长或包含无效字符。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="362"/>
        <source>Enter a reason (up to 500 characters).</source>
        <translation>请输入原因（最多 500 个字符）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="364"/>
        <source>Enter the birthday as YYYY-MM-DD.</source>
        <translation>请按 YYYY-MM-DD 格式输入生日。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="365"/>
        <source>No more results.</source>
        <translation>没有更多结果。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="367"/>
        <source>This till is not set up yet: pair it with head office.</source>
        <translation>本收银台尚未设置：请先与总部配对。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="373"/>
        <source>This till cannot issue more member codes; call head office.</source>
        <translation>本收银台已无法再发放会员号，请联系总部。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="376"/>
        <source>This till is already paired; reset it before pairing again.</source>
        <translation>本收银台已配对；如需重新配对请先重置。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="379"/>
        <source>Pairing failed: check the server address and try again.</source>
        <translation>配对失败：请检查服务器地址后重试。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="382"/>
        <source>The server address must start with http:// or https://.</source>
        <translation>服务器地址必须以 http:// 或 https:// 开头。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="384"/>
        <source>Syncing failed; the till will retry.</source>
        <translation>同步失败，收银台将自动重试。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="386"/>
        <source>Head office revoked this till; call head office.</source>
        <translation>总部已吊销本收银台，请联系总部。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="389"/>
        <source>Head office cannot be reached, so the day was not closed. Try again later.</source>
        <translation>无法连接总部，日结未完成。请稍后再试。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="393"/>
        <source>That business day has not begun.</source>
        <translation>该营业日尚未开始。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="394"/>
        <source>Nothing was found.</source>
        <translation>未找到任何结果。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="395"/>
        <source>You are not allowed to do this.</source>
        <translation>您无权执行此操作。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="417"/>
        <source>The operation was refused ({code}).</source>
        <translation>操作被拒绝（{code}）。</translation>
    </message>
    <message>
        <location filename="../messages.py" line="421"/>
        <source>Something went wrong. Try again; if it happens again, call a manager.</source>
        <translation>出现错误。请重试；如再次出现，请联系店长。</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <location filename="../screens/void.py" line="36"/>
        <source>Earn</source>
        <translation>累积积分</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="37"/>
        <source>Redeem</source>
        <translation>兑换</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="38"/>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="39"/>
        <source>Adjustment</source>
        <translation>调整</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="40"/>
        <source>Void</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="41"/>
        <source>Enrollment</source>
        <translation>注册</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="42"/>
        <source>Profile change</source>
        <translation>资料修改</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="43"/>
        <source>Card replaced</source>
        <translation>已换卡</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="44"/>
        <source>Return</source>
        <translation>退货</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <location filename="../formatting.py" line="45"/>
        <location filename="../formatting.py" line="50"/>
        <source>%1 pts</source>
        <translation>%1 积分</translation>
    </message>
    <message>
        <location filename="../formatting.py" line="92"/>
        <location filename="../formatting.py" line="98"/>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <location filename="../formatting.py" line="104"/>
        <source>no expiry</source>
        <translation>无期限</translation>
    </message>
</context>
<context>
    <name>History</name>
    <message>
        <location filename="../screens/member_account.py" line="344"/>
        <source>%1 expire on %2</source>
        <translation>%1 将于 %2 过期</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="358"/>
        <source>this till</source>
        <translation>本收银台</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="362"/>
        <source>(voided)</source>
        <translation>（已撤销）</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="364"/>
        <source>(not synced yet)</source>
        <translation>（尚未同步）</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <location filename="../screens/member_account.py" line="398"/>
        <source>Every store&apos;s latest transactions, from head office now.</source>
        <translation>所有门店的最近交易，刚从总部获取。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="401"/>
        <source>Offline: head office&apos;s list as of %1, with this till&apos;s own since.</source>
        <translation>离线：显示总部截至 %1 的记录，以及本收银台此后的交易。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="404"/>
        <source>Offline: only this till&apos;s transactions are shown.</source>
        <translation>离线：只显示本收银台的交易。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="405"/>
        <source>Times on the store&apos;s clock (%1).</source>
        <translation>时间为门店当地时间（%1）。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="415"/>
        <source>No transactions yet.</source>
        <translation>暂无交易。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="196"/>
        <source>Member terminal</source>
        <translation>会员收银终端</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="198"/>
        <source>Checkout (F1)</source>
        <translation>收银 (F1)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="199"/>
        <source>Enroll (F4)</source>
        <translation>注册会员 (F4)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="200"/>
        <source>Return (F11)</source>
        <translation>退货 (F11)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="201"/>
        <source>Reports (F7)</source>
        <translation>报表 (F7)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="202"/>
        <source>Rejected (F8)</source>
        <translation>被拒事件 (F8)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="203"/>
        <source>Settings (F9)</source>
        <translation>设置 (F9)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="204"/>
        <source>Lock (F12)</source>
        <translation>锁屏 (F12)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="226"/>
        <source>Only a manager can open this.</source>
        <translation>只有店长可以打开此页面。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="339"/>
        <location filename="../main_window.py" line="340"/>
        <source>Voided: the transaction is reversed.</source>
        <translation>已撤销：该笔交易已冲回。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="346"/>
        <source>Return recorded.</source>
        <translation>退货已记录。</translation>
    </message>
</context>
<context>
    <name>ManagerApproval</name>
    <message>
        <location filename="../screens/void.py" line="102"/>
        <source>Manager approval: manager code, then PIN</source>
        <translation>店长批准：先输入店长编号，再输入密码</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="103"/>
        <source>Manager code</source>
        <translation>店长编号</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="106"/>
        <source>Approve as %1 (Enter)</source>
        <translation>以 %1 身份批准（Enter）</translation>
    </message>
</context>
<context>
    <name>MemberAccountScreen</name>
    <message>
        <location filename="../screens/member_account.py" line="484"/>
        <source>History</source>
        <translation>交易记录</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="485"/>
        <source>Adjust points</source>
        <translation>调整积分</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="486"/>
        <source>Profile</source>
        <translation>会员资料</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="487"/>
        <source>Back to checkout (Esc)</source>
        <translation>返回收银 (Esc)</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="490"/>
        <source>Member account</source>
        <translation>会员账户</translation>
    </message>
</context>
<context>
    <name>MemberCardView</name>
    <message>
        <location filename="../widgets/member_card.py" line="179"/>
        <source>Print card</source>
        <translation>打印会员卡</translation>
    </message>
    <message>
        <location filename="../widgets/member_card.py" line="180"/>
        <source>Save as PDF</source>
        <translation>保存为 PDF</translation>
    </message>
    <message>
        <location filename="../widgets/member_card.py" line="209"/>
        <source>Save member card</source>
        <translation>保存会员卡</translation>
    </message>
    <message>
        <location filename="../widgets/member_card.py" line="211"/>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>MemberPanel</name>
    <message>
        <location filename="../widgets/member_panel.py" line="149"/>
        <source>Scan a member card or search by phone or name.</source>
        <translation>请扫描会员卡，或按手机号、姓名搜索。</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="150"/>
        <source>Coupons</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="161"/>
        <source>%1 kept until %2</source>
        <translation>%1 保级至 %2</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="167"/>
        <source>Phone: %1</source>
        <translation>手机：%1</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="168"/>
        <source>Member no. %1</source>
        <translation>会员号 %1</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="171"/>
        <source>Card %1 was merged into member %2 by head office.</source>
        <translation>卡号 %1 已由总部合并到会员 %2。</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="178"/>
        <source>%1 pending sync (confirmed: %2)</source>
        <translation>%1 待同步（已确认：%2）</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="183"/>
        <source>all points confirmed by head office</source>
        <translation>所有积分均已由总部确认</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="187"/>
        <source>%1 — no expiry</source>
        <translation>%1 — 无期限</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="189"/>
        <source>%1 — expires %2</source>
        <translation>%1 — %2 到期</translation>
    </message>
    <message>
        <location filename="../widgets/member_panel.py" line="195"/>
        <source>No coupons</source>
        <translation>没有优惠券</translation>
    </message>
</context>
<context>
    <name>MemberSearch</name>
    <message>
        <location filename="../screens/member_search.py" line="116"/>
        <source>Scan a card, or type phone last 4 digits, a name or a member no.</source>
        <translation>扫描会员卡，或输入手机后四位、姓名或会员号</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="118"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="119"/>
        <source>Image…</source>
        <translation>图片…</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="120"/>
        <source>More results</source>
        <translation>更多结果</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="223"/>
        <source>No member found.</source>
        <translation>未找到会员。</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="225"/>
        <source>Members shown: %1</source>
        <translation>显示会员：%1</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="264"/>
        <source>No camera found.</source>
        <translation>未找到摄像头。</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="269"/>
        <source>Scan from an image</source>
        <translation>从图片扫描</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="268"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
    <message>
        <location filename="../screens/member_search.py" line="282"/>
        <source>No barcode or QR code found in this image.</source>
        <translation>图片中没有找到条码或二维码。</translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message>
        <location filename="../widgets/pin_pad.py" line="52"/>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../widgets/pin_pad.py" line="53"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../widgets/pin_pad.py" line="54"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>ProfileTab</name>
    <message>
        <location filename="../screens/member_account.py" line="249"/>
        <source>Card lost? A new card number replaces it; the old card stops working.</source>
        <translation>会员卡丢失？补发新卡号后，旧卡即失效。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="251"/>
        <source>Replace lost card</source>
        <translation>补发会员卡</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="254"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="254"/>
        <source>New phone</source>
        <translation>新手机号</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="254"/>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="254"/>
        <source>Marketing</source>
        <translation>营销信息</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="259"/>
        <source>Fill in only what changes. The till keeps the last 4 digits of a phone.</source>
        <translation>只填写需要修改的内容。收银台只保存手机号后 4 位。</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="261"/>
        <source>Full mobile number</source>
        <translation>完整手机号</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="262"/>
        <source>YYYY-MM-DD</source>
        <translation>YYYY-MM-DD</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="263"/>
        <source>No change</source>
        <translation>不变</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="264"/>
        <source>Agrees to marketing messages</source>
        <translation>同意接收营销信息</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="265"/>
        <source>Does not agree to marketing messages</source>
        <translation>不同意接收营销信息</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="266"/>
        <source>Save changes</source>
        <translation>保存修改</translation>
    </message>
    <message>
        <location filename="../screens/member_account.py" line="321"/>
        <source>Saved; head office gets the change at the next sync.</source>
        <translation>已保存；下次同步时总部会收到此修改。</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <location filename="../i18n.py" line="76"/>
        <source>Folder</source>
        <comment>All other platforms</comment>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="77"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="78"/>
        <source>%1 File</source>
        <comment>%1 is a file name suffix, for example txt</comment>
        <translation>%1 文件</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../i18n.py" line="74"/>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <location filename="../i18n.py" line="75"/>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>RejectedScreen</name>
    <message>
        <location filename="../screens/rejected.py" line="89"/>
        <source>Rejected events</source>
        <translation>被拒事件</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="92"/>
        <source>Seq</source>
        <translation>序号</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="93"/>
        <source>Time (%1)</source>
        <translation>时间（%1）</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="94"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="95"/>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="96"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="143"/>
        <source>No rejected events.</source>
        <translation>没有被拒事件。</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="146"/>
        <source>Rejected events never count in a balance; head office reconciles them.</source>
        <translation>被拒事件不计入余额；由总部负责对账。</translation>
    </message>
</context>
<context>
    <name>Rejections</name>
    <message>
        <location filename="../screens/rejected.py" line="31"/>
        <source>Member unknown at head office</source>
        <translation>总部没有该会员</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="32"/>
        <source>Invalid member code</source>
        <translation>会员号无效</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="33"/>
        <source>Member code already used</source>
        <translation>会员号已被占用</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="36"/>
        <source>Points differ from the program rules</source>
        <translation>积分与积分规则不符</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="39"/>
        <source>Program version not yet in force at this store</source>
        <translation>该积分规则版本在本店尚未生效</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="42"/>
        <source>Already voided</source>
        <translation>已被撤销</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="43"/>
        <source>Voided event unknown</source>
        <translation>被撤销的事件不存在</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="44"/>
        <source>Coupon already used or expired</source>
        <translation>优惠券已使用或已过期</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="47"/>
        <source>Same event id sent with different content</source>
        <translation>同一事件编号的内容不一致</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="50"/>
        <source>Returned sale unknown</source>
        <translation>退货的销售在总部不存在</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="51"/>
        <source>Returned sale was voided</source>
        <translation>退货的销售已作废</translation>
    </message>
    <message>
        <location filename="../screens/rejected.py" line="52"/>
        <source>Cannot be voided (e.g. part of the sale was returned)</source>
        <translation>无法作废（例如该销售已部分退货）</translation>
    </message>
</context>
<context>
    <name>ReportsScreen</name>
    <message>
        <location filename="../screens/reports.py" line="132"/>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="133"/>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="134"/>
        <source>Show</source>
        <translation>查询</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="135"/>
        <location filename="../screens/reports.py" line="312"/>
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="136"/>
        <location filename="../screens/reports.py" line="317"/>
        <source>Export PDF</source>
        <translation>导出 PDF</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="140"/>
        <location filename="../screens/reports.py" line="267"/>
        <source>Member no.</source>
        <translation>会员号</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="140"/>
        <location filename="../screens/reports.py" line="268"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="140"/>
        <location filename="../screens/reports.py" line="151"/>
        <source>Points earned</source>
        <translation>获得积分</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="140"/>
        <source>Sales</source>
        <translation>消费额</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="143"/>
        <source>Transactions per hour</source>
        <translation>每小时交易数</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="144"/>
        <source>Hour (%1)</source>
        <translation>小时（%1）</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="158"/>
        <source>Returns</source>
        <translation>退货笔数</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="159"/>
        <source>Amount returned</source>
        <translation>退货金额</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="160"/>
        <source>Points taken back</source>
        <translation>扣回积分</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="161"/>
        <source>Points given back</source>
        <translation>退还积分</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="266"/>
        <source>Hour</source>
        <translation>小时</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="150"/>
        <source>Member transactions</source>
        <translation>会员交易</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="152"/>
        <source>Points redeemed</source>
        <translation>兑换积分</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="153"/>
        <source>Sales to members</source>
        <translation>会员消费额</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="154"/>
        <source>Enrollments</source>
        <translation>新注册会员</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="155"/>
        <source>Voids</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="156"/>
        <source>Adjustments</source>
        <translation>积分调整</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="157"/>
        <source>Points adjusted</source>
        <translation>调整积分</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="250"/>
        <source>Figure</source>
        <translation>项目</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="251"/>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="252"/>
        <source>From</source>
        <translation>开始</translation>
    </message>
    <message>
        <location filename="../screens/reports.py" line="253"/>
        <source>To</source>
        <translation>结束</translation>
    </message>
</context>
<context>
    <name>ReturnScreen</name>
    <message>
        <location filename="../screens/returns.py" line="112"/>
        <source>Return a sale</source>
        <translation>销售退货</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="113"/>
        <source>Receipt number: scan or type, then Enter</source>
        <translation>小票号：扫描或输入后按回车</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="114"/>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="115"/>
        <source>Amount returned (empty: all that is left)</source>
        <translation>退货金额（留空：退回全部剩余）</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="116"/>
        <source>Return (Enter)</source>
        <translation>退货 (Enter)</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="117"/>
        <source>Back (Esc)</source>
        <translation>返回 (Esc)</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="125"/>
        <source>Sales of every store (from head office).</source>
        <translation>所有门店的销售（来自总部）。</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="129"/>
        <location filename="../screens/returns.py" line="207"/>
        <source>Offline: only this till&apos;s sales and those in the members&apos; history kept here.</source>
        <translation>离线：只能找到本收银台的销售和本机保存的会员历史中的销售。</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="135"/>
        <source>Receipt %1 · %2 · sale %3 · returned %4 · left %5</source>
        <translation>小票 %1 · %2 · 销售 %3 · 已退 %4 · 剩余 %5</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="152"/>
        <source>voided</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="180"/>
        <source>Scan or type the receipt number.</source>
        <translation>请扫描或输入小票号。</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="256"/>
        <source>Returns %1: takes back %2 earned, gives back %3 redeemed.</source>
        <translation>退货 %1：扣回所得 %2，退还已兑换 %3。</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="270"/>
        <source>Find the sale first: scan or type its receipt number.</source>
        <translation>请先查找销售：扫描或输入小票号。</translation>
    </message>
    <message>
        <location filename="../screens/returns.py" line="313"/>
        <source>Returned %1 of receipt %2. %3 now has %4.</source>
        <translation>已退货 %1（小票 %2）。%3 现有 %4。</translation>
    </message>
</context>
<context>
    <name>SalePanel</name>
    <message>
        <location filename="../screens/sale_panel.py" line="138"/>
        <source>Sale amount (%1)</source>
        <translation>消费金额（%1）</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="139"/>
        <source>Receipt no.</source>
        <translation>小票号</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="140"/>
        <source>Redeem points</source>
        <translation>兑换积分</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="141"/>
        <source>e.g. 128.00</source>
        <translation>例如 128.00</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="142"/>
        <source>optional</source>
        <translation>选填</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="144"/>
        <source>at least %1</source>
        <translation>至少 %1</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="146"/>
        <source>Earn points (F2)</source>
        <translation>累积积分 (F2)</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="147"/>
        <source>Max</source>
        <translation>最大</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="148"/>
        <source>Redeem (F3)</source>
        <translation>兑换 (F3)</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="149"/>
        <location filename="../screens/sale_panel.py" line="209"/>
        <source>Use selected coupon</source>
        <translation>使用所选优惠券</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="150"/>
        <source>Coupon code</source>
        <translation>券码</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="151"/>
        <source>Type a paper coupon&apos;s code, or scan it</source>
        <translation>输入纸质优惠券的券码，或扫描它</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="152"/>
        <source>Use code</source>
        <translation>使用券码</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="153"/>
        <source>Print slip (F10)</source>
        <translation>打印会员小票 (F10)</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="231"/>
        <source>Enter the sale amount to see the points.</source>
        <translation>输入消费金额即可查看可得积分。</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="239"/>
        <source>%1 earns %2</source>
        <translation>%1 可得 %2</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="311"/>
        <source>Enter the sale amount to see what can be redeemed.</source>
        <translation>输入消费金额即可查看可兑换积分。</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="314"/>
        <source>the member&apos;s balance</source>
        <translation>会员积分余额</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="315"/>
        <source>points pay at most %1% of a sale (%2)</source>
        <translation>积分最多抵扣消费额的 %1%（%2）</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="319"/>
        <source>the offline limit of %1 points per member a day</source>
        <translation>离线时每位会员每天最多 %1 积分</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="321"/>
        <source>the limit of %1 points per redemption</source>
        <translation>单次兑换最多 %1 积分的限制</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="325"/>
        <source>the limit of %1 points per member a day</source>
        <translation>每位会员每天最多 %1 积分的限制</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="328"/>
        <source>Up to %1 (%2), limited by %3.</source>
        <translation>最多 %1（%2），限制因素：%3。</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="350"/>
        <source>Enter the points to redeem.</source>
        <translation>请输入要兑换的积分。</translation>
    </message>
    <message>
        <location filename="../screens/sale_panel.py" line="409"/>
        <source>Find the member first, then scan or type the coupon.</source>
        <translation>请先找到会员，再扫描或输入优惠券。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="19"/>
        <source>Earned %1.</source>
        <translation>已累积 %1。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="23"/>
        <source>Coupon used: %1 off.</source>
        <translation>已使用优惠券：减 %1。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="26"/>
        <source>Redeemed %1 = %2 off.</source>
        <translation>已兑换 %1 = 减 %2。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="31"/>
        <source>The member pays %1: earn points on it with F2.</source>
        <translation>会员实付 %1：按 F2 按此金额积分。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="38"/>
        <source>This coupon is worth %1: the sale must be at least that.</source>
        <translation>此券面值 %1：消费金额不能低于面值。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="54"/>
        <source>Use “%1” (%2 off) on this %3 sale? Press the button again to confirm.</source>
        <translation>在这笔 %3 的消费中使用“%1”（减 %2）？再按一次按钮确认。</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="61"/>
        <source>Confirm: %1 off</source>
        <translation>确认：减 %1</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="67"/>
        <source>base %1</source>
        <translation>基础 %1</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="73"/>
        <source>%1 x%2 +%3</source>
        <translation>%1 x%2 +%3</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="80"/>
        <source>%1 +%2</source>
        <translation>%1 +%2</translation>
    </message>
    <message>
        <location filename="../screens/sale_texts.py" line="84"/>
        <source>%1, %2</source>
        <translation>%1，%2</translation>
    </message>
</context>
<context>
    <name>SettingsScreen</name>
    <message>
        <location filename="../screens/settings.py" line="83"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="84"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="85"/>
        <source>Sync server</source>
        <translation>同步服务器</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="86"/>
        <source>Store</source>
        <translation>门店</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="87"/>
        <source>Terminal</source>
        <translation>终端</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="89"/>
        <source>Pair with server</source>
        <translation>配对服务器</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="90"/>
        <source>Pairing code</source>
        <translation>配对码</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="94"/>
        <source>one-time code from head office</source>
        <translation>总部提供的一次性配对码</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="95"/>
        <source>Pair</source>
        <translation>配对</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="98"/>
        <source>not paired</source>
        <translation>未配对</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="99"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="101"/>
        <source>The till keeps working offline and sends its queue when the server is back.</source>
        <translation>收银台可离线工作，服务器恢复后自动发送队列。</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="114"/>
        <source>Pairing…</source>
        <translation>正在配对…</translation>
    </message>
    <message>
        <location filename="../screens/settings.py" line="127"/>
        <source>Paired. The till now syncs with head office.</source>
        <translation>配对成功，收银台现在与总部同步。</translation>
    </message>
</context>
<context>
    <name>SignInScreen</name>
    <message>
        <location filename="../screens/sign_in.py" line="62"/>
        <source>Till locked</source>
        <translation>收银台已锁定</translation>
    </message>
    <message>
        <location filename="../screens/sign_in.py" line="62"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../screens/sign_in.py" line="64"/>
        <source>Staff code</source>
        <translation>员工编号</translation>
    </message>
    <message>
        <location filename="../screens/sign_in.py" line="65"/>
        <source>e.g. C001</source>
        <translation>例如 C001</translation>
    </message>
    <message>
        <location filename="../screens/sign_in.py" line="79"/>
        <source>Card scanned: sign in to see the member.</source>
        <translation>已扫描会员卡：登录后显示会员。</translation>
    </message>
    <message>
        <location filename="../screens/sign_in.py" line="99"/>
        <source>Enter your staff code first.</source>
        <translation>请先输入员工编号。</translation>
    </message>
    <message>
        <location filename="../screens/sign_in.py" line="103"/>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
</context>
<context>
    <name>Slip</name>
    <message>
        <location filename="../slip_wording.py" line="23"/>
        <source>Points earned</source>
        <translation>积分已累积</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="24"/>
        <source>Points redeemed</source>
        <translation>积分已兑换</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="25"/>
        <source>Coupon used</source>
        <translation>优惠券已使用</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="26"/>
        <source>Transaction voided</source>
        <translation>交易已撤销</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="27"/>
        <source>Welcome to our loyalty program</source>
        <translation>欢迎加入会员计划</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="28"/>
        <source>Points adjusted</source>
        <translation>积分已调整</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="29"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="30"/>
        <source>Receipt no.</source>
        <translation>小票号</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="31"/>
        <source>Till</source>
        <translation>收银台</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="32"/>
        <location filename="../slip_wording.py" line="53"/>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="33"/>
        <source>Card no.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="34"/>
        <source>Sale amount</source>
        <translation>消费金额</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="35"/>
        <source>Earned</source>
        <translation>本次累积</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="36"/>
        <source>Redeemed</source>
        <translation>本次兑换</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="37"/>
        <source>Discount</source>
        <translation>抵扣金额</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="38"/>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="39"/>
        <source>Reversed</source>
        <translation>冲回</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="40"/>
        <source>Adjusted</source>
        <translation>调整</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="41"/>
        <source>Balance</source>
        <translation>积分余额</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="42"/>
        <source>%1 of it not yet confirmed</source>
        <translation>其中 %1 待总部确认</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="43"/>
        <source>Tier</source>
        <translation>会员等级</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="44"/>
        <source>%1 to %2</source>
        <translation>距%2还差 %1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="45"/>
        <source>Highest tier reached</source>
        <translation>已是最高等级</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="46"/>
        <source>Kept until %1</source>
        <translation>保级至 %1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="47"/>
        <source>%1 expire on %2</source>
        <translation>%1 将于 %2 过期</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="48"/>
        <source>Thank you!</source>
        <translation>谢谢惠顾！</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="49"/>
        <source>%1 pts</source>
        <translation>%1 积分</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="54"/>
        <source>Silver</source>
        <translation>银卡</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="55"/>
        <source>Gold</source>
        <translation>金卡</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="59"/>
        <source>Welcome</source>
        <translation>欢迎光临</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="60"/>
        <source>Hello, %1</source>
        <translation>您好，%1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="61"/>
        <source>You earned %1</source>
        <translation>本次累积 %1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="62"/>
        <source>You redeemed %1</source>
        <translation>本次兑换 %1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="63"/>
        <source>Coupon used: %1 off</source>
        <translation>已使用优惠券：减 %1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="64"/>
        <source>Transaction reversed: %1</source>
        <translation>交易已撤销：%1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="65"/>
        <source>Welcome to our loyalty program!</source>
        <translation>欢迎加入会员计划！</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="66"/>
        <source>Balance: %1</source>
        <translation>积分余额：%1</translation>
    </message>
    <message>
        <location filename="../slip_wording.py" line="67"/>
        <source>Ask about our loyalty program</source>
        <translation>欢迎咨询我们的会员计划</translation>
    </message>
</context>
<context>
    <name>SlipDialog</name>
    <message>
        <location filename="../slip_dialog.py" line="120"/>
        <source>Member slip</source>
        <translation>会员小票</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="121"/>
        <source>Print (Enter)</source>
        <translation>打印 (Enter)</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="122"/>
        <source>Save as PDF</source>
        <translation>保存为 PDF</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="123"/>
        <source>Close (Esc)</source>
        <translation>关闭 (Esc)</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="138"/>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="147"/>
        <source>Save member slip</source>
        <translation>保存会员小票</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="149"/>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="154"/>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="157"/>
        <source>Printed.</source>
        <translation>已打印。</translation>
    </message>
</context>
<context>
    <name>SlipOutput</name>
    <message>
        <location filename="../slip_dialog.py" line="72"/>
        <source>No printer is installed on this computer.</source>
        <translation>这台电脑没有安装打印机。</translation>
    </message>
    <message>
        <location filename="../slip_dialog.py" line="78"/>
        <source>The receipt printer did not print: %1</source>
        <translation>小票打印机未能打印：%1</translation>
    </message>
</context>
<context>
    <name>StoreFiguresLine</name>
    <message>
        <location filename="../widgets/store_figures.py" line="59"/>
        <source>Offline: these figures are this till&apos;s only (the store&apos;s need head office).</source>
        <translation>离线：以下数字仅为本收银台的（全店数字需连接总部）。</translation>
    </message>
    <message>
        <location filename="../widgets/store_figures.py" line="74"/>
        <source>Whole store, %1 tills: %2 transactions, %3 earned, %4 redeemed, sales %5, %6 returns (%7). The figures below are this till&apos;s.</source>
        <translation>全店 %1 台收银台：%2 笔交易，获得 %3，兑换 %4，销售额 %5，退货 %6 笔（%7）。以下数字为本收银台的。</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <location filename="../widgets/sync_status.py" line="78"/>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="84"/>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="84"/>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="90"/>
        <source>Syncing…</source>
        <translation>同步中…</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="92"/>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="94"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="97"/>
        <source>Queued: %1</source>
        <translation>已排队：%1</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="99"/>
        <source>Last sync: %1</source>
        <translation>上次同步：%1</translation>
    </message>
    <message>
        <location filename="../widgets/sync_status.py" line="101"/>
        <source>Rejected: %1</source>
        <translation>被拒：%1</translation>
    </message>
</context>
<context>
    <name>Tiers</name>
    <message>
        <location filename="../formatting.py" line="121"/>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <location filename="../formatting.py" line="122"/>
        <source>Silver</source>
        <translation>银卡</translation>
    </message>
    <message>
        <location filename="../formatting.py" line="123"/>
        <source>Gold</source>
        <translation>金卡</translation>
    </message>
</context>
<context>
    <name>VoidScreen</name>
    <message>
        <location filename="../screens/void.py" line="192"/>
        <source>Void a recent transaction</source>
        <translation>撤销最近的交易</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="195"/>
        <source>Void a transaction of %1</source>
        <translation>撤销 %1 的交易</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="198"/>
        <source>Times on the store&apos;s clock (%1)</source>
        <translation>时间为门店当地时间（%1）</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="202"/>
        <source>Reason (required), e.g. wrong amount</source>
        <translation>原因（必填），例如金额错误</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="203"/>
        <source>Cancel (Esc)</source>
        <translation>取消 (Esc)</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="251"/>
        <source>Nothing to void.</source>
        <translation>没有可撤销的交易。</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="256"/>
        <source>Pick the transaction to void.</source>
        <translation>请选择要撤销的交易。</translation>
    </message>
    <message>
        <location filename="../screens/void.py" line="259"/>
        <source>Enter a reason for the void.</source>
        <translation>请输入撤销原因。</translation>
    </message>
</context>
</TS>
